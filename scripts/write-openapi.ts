import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createGetManyOpenApiDocument } from '../src/http/index.js'

/*
 * `npm run openapi`: writes the endpoint's OpenAPI document to `openapi.json` at the package
 * root (shipped, and exported as `contact-repository/openapi.json`). The file is checked in,
 * and a test fails when it differs from what this writes.
 */
const target = fileURLToPath(new URL('../openapi.json', import.meta.url))
writeFileSync(target, `${JSON.stringify(createGetManyOpenApiDocument(), null, 2)}\n`)
console.log(`wrote ${target}`)
