/* The package version, read from package.json wherever this file runs from (src/ or dist/src/). */
import { readFileSync } from 'node:fs';

function findVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'zswap-sim' && pkg.version) return pkg.version;
    } catch {
      // not here: go up
    }
    dir = new URL('..', dir);
  }
  return '0.0.0';
}

export const VERSION = findVersion();
