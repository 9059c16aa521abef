/**
 * Child process of the crash test: opens the log in `argv[2]`, appends `entry:<tag>:<seq>` entries continuously with
 * a few in flight, and prints `<index> <seq>` on stdout for each ACKNOWLEDGED append. The parent SIGKILLs it at a
 * random moment and checks every printed entry survived.
 *
 * Usage: node --import tsx crash-writer.ts <dir> <tag>
 *
 * @module
 */
import { FileLog } from '../file-log.js';
import { RecordingFsm } from './recording-fsm.js';

/** Appends kept in flight, so crashes land in the middle of group-commit batches. */
const IN_FLIGHT = 16;
/** Safety net if the parent never kills us. */
const MAX_RUN_MS = 60_000;

const [dir, tag] = process.argv.slice(2);
if (dir === undefined || tag === undefined) throw new Error('usage: crash-writer <dir> <tag>');

const log = new FileLog({ dir, segmentMaxBytes: 16 * 1024, snapshotThresholdEntries: 300 });
await log.start(new RecordingFsm());
process.stdout.write(`ready ${log.lastIndex}\n`);

const deadline = Date.now() + MAX_RUN_MS;
let seq = 0;
async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const mine = seq++;
    // Varying sizes, so records straddle pages and segment boundaries differently each time.
    const data = Buffer.from(`entry:${tag}:${mine}:${'x'.repeat(mine % 97)}`);
    const { index } = await log.append(data);
    process.stdout.write(`${index} ${mine}\n`);
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
await log.close();
