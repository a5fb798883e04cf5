import { cpus, loadavg, totalmem } from 'node:os';

export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/** The 1, 5 and 15-minute load averages: how busy the shared machine was. */
export function loadDescription(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
}
