/*
 * Writing result files: whole or not at all. Data goes to a temporary file
 * beside the target and is renamed over it once complete, so an interrupted
 * or failed write never leaves a half-written report under the target's
 * name; failures become OutputErrors naming the file.
 */
import { rename, unlink, writeFile } from 'node:fs/promises';
import { OutputError } from './errors.js';

export function temporaryName(file: string): string {
  return `${file}.tmp-${process.pid}`;
}

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = temporaryName(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new OutputError(file, e);
  }
}
