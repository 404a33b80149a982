// The README's Guarantees section and the tests agree on the guarantees' names: a reader goes
// from a claim to its proof by searching for its name, so a name must lead somewhere. Reads
// files only. Each guarantee is one numbered item of that section, its name in bold
// (**`G-...`**), followed by the test files that prove it.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** A guarantee's name wherever it is written: G- and upper-case words joined by hyphens. */
const NAME = /\bG-[A-Z0-9]+(?:-[A-Z0-9]+)*\b/g

interface Guarantee {
  name: string
  files: string[]
}

/** The numbered items of the README's Guarantees section. */
function guaranteesOfReadme(): Guarantee[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const start = readme.indexOf('\n## Guarantees\n')
  expect(start, 'the README has a Guarantees section').toBeGreaterThan(-1)
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end === -1 ? undefined : end)
  return section
    .split(/^\d+\. /m)
    .slice(1)
    .map((item) => {
      // The bold name is the one the item defines; other names in it are references.
      const defined = [...item.matchAll(/\*\*`(G-[A-Z0-9-]+)`/g)].map((match) => match[1]!)
      expect(defined, `one bold name per item: ${item.slice(0, 80)}`).toHaveLength(1)
      const files = [...new Set(item.match(/test\/[\w./-]+\.test\.ts/g) ?? [])]
      return { name: defined[0]!, files }
    })
}

/** Every file under test/, relative to the repository. */
function testTreeFiles(): string[] {
  return readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `test/${file.replaceAll('\\', '/')}`)
}

/** Whether `name` starts or is part of a title: a string literal opening a call's arguments. */
function inATitle(source: string, name: string): boolean {
  const escaped = name.replaceAll('-', '\\-')
  return new RegExp(`\\(\\s*(['"\`])[^'"\`\\n]*\\b${escaped}(?![A-Z0-9-])`).test(source)
}

const guarantees = guaranteesOfReadme()
const defined = new Set(guarantees.map((guarantee) => guarantee.name))

describe('guarantee names', () => {
  it('the README defines each name once, and each guarantee lists the test files that prove it', () => {
    expect(guarantees.length).toBeGreaterThan(0)
    expect(defined.size, 'a name defined twice').toBe(guarantees.length)
    for (const { name, files } of guarantees) expect(files.length, `${name} lists no test file`).toBeGreaterThan(0)
  })

  it.each(guarantees)('$name: every test file it lists exists and carries the name in a test or describe title', ({ name, files }) => {
    for (const file of files) {
      expect(existsSync(join(root, file)), `${name} lists ${file}, which does not exist`).toBe(true)
      expect(inATitle(readFileSync(join(root, file), 'utf8'), name), `${file} is listed for ${name} but no title in it names it`).toBe(true)
    }
  })

  it('every name the tests use is defined in the README', () => {
    const undefinedNames: string[] = []
    for (const file of testTreeFiles()) {
      for (const [used] of readFileSync(join(root, file), 'utf8').matchAll(NAME)) {
        if (!defined.has(used)) undefinedNames.push(`${used} in ${file}`)
      }
    }
    expect(undefinedNames).toEqual([])
  })
})
