import { readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Every `.ts` file below `directory`, as paths joined to it: what the source-reading tests scan. */
export function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}
