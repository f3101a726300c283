/* `zswap-sim compare TRACE`: placeholder until the compare issue lands. */
import { EXIT } from '../errors.js';
import type { CliIo } from './io.js';
import type { MachineOptions } from './options.js';

export interface CompareCliOptions extends MachineOptions {
  compressors: string;
  zpools?: string;
  maxPoolPercents?: string;
  kernels?: string;
  csv?: string;
  html?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function compareCommand(_trace: string, _opts: CompareCliOptions, io: CliIo): Promise<number> {
  io.err('zswap-sim: compare is not implemented yet\n');
  return EXIT.internal;
}
