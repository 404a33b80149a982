import { describe, expect, it } from 'vitest'
import { contactRowOf, decodeContactRow, rowError, toId, toUtcIsoString, type ContactRecord } from '../../src/contacts/contact-row.js'
import { CONTACT_COLUMNS } from '../../src/contacts/contacts-query.js'
import { ContactRowError } from '../../src/index.js'

const record: ContactRecord = {
  id: 7, tenant_id: 3, first_name: 'A', last_name: null, company_name: null, email: null, phone: null,
  type: 'person', created_at: '2026-03-01 12:00:00.5', updated_at: '2026-03-01T12:00:00.123456Z',
}
const row = contactRowOf(record)

describe('G-ROW-INTEGRITY: decodeContactRow', () => {
  it('maps columns to a frozen contact with normalised dates', () => {
    const contact = decodeContactRow(row, 3)
    expect(contact).toEqual({
      id: 7, firstName: 'A', lastName: null, companyName: null, email: null, phone: null, type: 'person',
      createdAt: '2026-03-01T12:00:00.500Z', updatedAt: '2026-03-01T12:00:00.123Z',
    })
    expect(Object.isFrozen(contact)).toBe(true)
  })

  it("G-TENANT-ISOLATION: refuses another tenant's row", () => {
    expect(() => decodeContactRow(row, 4)).toThrow(ContactRowError)
    expect(() => decodeContactRow(row, 4)).toThrow('A row of tenant 3 came back for tenant 4')
  })

  it("names the batch's tenant, the row's ID and the column at fault as data", () => {
    expect(() => decodeContactRow(row, 4)).toThrow(expect.objectContaining({ tenantId: 4, id: 7, column: 'tenant_id' }))
    expect(() => decodeContactRow(contactRowOf({ ...record, email: 42 }), 3)).toThrow(
      expect.objectContaining({ code: 'ERR_CONTACTS_INVALID_ROW', tenantId: 3, id: 7, column: 'email' }),
    )
  })

  it('leaves the ID undefined when the id column itself cannot be read', () => {
    expect(() => decodeContactRow(contactRowOf({ ...record, id: '7 ' }), 3)).toThrow(
      expect.objectContaining({ tenantId: 3, id: undefined, column: 'id' }),
    )
  })

  it('reads columns by position, in the order the select lists them', () => {
    expect(row).toEqual(CONTACT_COLUMNS.map((column) => record[column]))
  })

  it('keeps a date already in ISO form, and every string, as the very string the driver gave', () => {
    const createdAt = Buffer.from('2026-03-01T12:00:00.250Z').toString()
    const email = Buffer.from('a@b.example').toString()
    const contact = decodeContactRow(contactRowOf({ ...record, created_at: createdAt, email }), 3)
    expect(contact.createdAt).toBe(createdAt)
    expect(contact.email).toBe(email)
  })

  it.each([
    ['first_name', 42],
    ['type', null],
    ['created_at', 'yesterday'],
    ['created_at', new Date(Number.NaN)],
    ['updated_at', '2026-03-01T12:00:00.250+01'],
    ['updated_at', '2026-03-01T12:00:00.25XZ'],
    ['id', '7 '],
    ['tenant_id', 3.5],
    ['email', Buffer.from('x')],
  ])('refuses a malformed %s (%s)', (column, value) => {
    expect(() => decodeContactRow(contactRowOf({ ...record, [column]: value }), 3)).toThrow(
      expect.objectContaining({ code: 'ERR_CONTACTS_INVALID_ROW' }),
    )
  })
  // The message names the column and says what was wrong: it is what an operator reads in the log.
  it.each([
    ['id', 'x', 'Column id is not a positive safe integer: x'],
    ['tenant_id', 'x', 'Column tenant_id is not a positive safe integer: x'],
    ['first_name', 5, 'Column first_name is not a string or NULL (got number)'],
    ['last_name', 5, 'Column last_name is not a string or NULL (got number)'],
    ['company_name', 5, 'Column company_name is not a string or NULL (got number)'],
    ['email', 5, 'Column email is not a string or NULL (got number)'],
    ['phone', 5, 'Column phone is not a string or NULL (got number)'],
    ['type', null, 'Column type is not a string (got object)'],
    ['created_at', 'nope', 'Column created_at is not a date-time: nope'],
    ['updated_at', 'nope', 'Column updated_at is not a date-time: nope'],
  ])('says which column is wrong and why: %s', (column, value, message) => {
    expect(() => decodeContactRow(contactRowOf({ ...record, [column]: value }), 3)).toThrow(message)
  })
})

describe('G-ROW-INTEGRITY: the error of a malformed row', () => {
  // The row's ID is reported only when it is one: a log must not show 0, -5 or a string as an ID.
  it.each([
    [7, 7],
    [0, undefined],
    [-5, undefined],
    [2 ** 53, undefined],
    [1.5, undefined],
    ['7', undefined],
  ])('reports the row ID %s as %s, with the tenant and the column', (id, reported) => {
    // rowError directly: decoding would stop at the malformed ID itself first.
    const error = rowError('bad email', 3, contactRowOf({ ...record, id, email: 5 }), 'email')
    expect(error).toBeInstanceOf(ContactRowError)
    expect(error).toMatchObject({ message: 'bad email', tenantId: 3, column: 'email' })
    expect(error.id).toBe(reported)
  })
})

describe('G-ROW-INTEGRITY: toId', () => {
  it.each([
    [7, 7],
    ['7', 7],
    [7n, 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['1234567890123456', 1234567890123456],
    [9007199254740991n, Number.MAX_SAFE_INTEGER],
  ])('accepts %s', (value, expected) => {
    expect(toId(value, 'id', 3, row)).toBe(expected)
  })

  it.each([
    ['9007199254740993'], // what a rounding driver would have turned into ...992
    [9007199254740993n],
    [2 ** 53],
    ['1abc'],
    ['01'],
    [0],
    [-1],
    [1.5],
    [null],
    [''],
    ['9999999999999999'], // 16 digits, above 2^53: rounded while parsed, still refused
    ['12345678901234567'],
    ['-1'],
    ['+1'],
    ['1e3'],
    ['1.0'],
    [0n],
    [-1n],
    [Number.NaN],
    [Infinity],
    [true], // compares above 0n and converts to 1: only a bigint may take that path
  ])('refuses %s instead of rounding or coercing it', (value) => {
    expect(() => toId(value, 'id', 3, row)).toThrow(ContactRowError)
  })
})

describe('G-ROW-INTEGRITY: toUtcIsoString', () => {
  it.each([
    ['2026-03-01 12:00:00', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01 12:00:00.1', '2026-03-01T12:00:00.100Z'],
    ['2026-03-01 12:00:00.123456', '2026-03-01T12:00:00.123Z'],
    ['2026-03-01T12:00:00.123Z', '2026-03-01T12:00:00.123Z'],
    ['2026-03-01T12:00:00+00:00', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01 12:00:00.250', '2026-03-01T12:00:00.250Z'],
  ])('rewrites %s', (input, expected) => {
    expect(toUtcIsoString(input, 'created_at', 3, row)).toBe(expected)
  })

  it('takes a Date as the instant it is', () => {
    expect(toUtcIsoString(new Date(Date.UTC(2026, 2, 1, 12)), 'created_at', 3, row)).toBe('2026-03-01T12:00:00.000Z')
  })

  // The fourth is 23 characters long, the length of 'YYYY-MM-DD hh:mm:ss.mmm', and nothing like it.
  it.each([['2026-03-01 12:00:00+01:00'], ['2026-03-01'], [1_700_000_000_000], ['x'.repeat(23)]])('refuses %s', (value) => {
    expect(() => toUtcIsoString(value, 'created_at', 3, row)).toThrow(ContactRowError)
  })
})
