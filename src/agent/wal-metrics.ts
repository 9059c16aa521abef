import {
  WAL_APPENDS,
  WAL_BATCHES,
  WAL_BYTES_WRITTEN,
  WAL_FSYNCS,
  type GaugeSource,
  type GaugeValue,
} from '../metrics/index.js';
import type { FileLogStats } from '../wal/index.js';

/**
 * The durable command log's counters as gauges read at display or scrape time: appends, group-commit batches,
 * fsyncs and bytes since start, so an operator (or a benchmark) sees how many writes each fsync carries without
 * strace. The in-memory log of `-dev` has none of these and registers no source.
 */
export function walGauges(stats: () => FileLogStats): GaugeSource {
  return (): readonly GaugeValue[] => {
    const s = stats();
    return [
      { def: WAL_APPENDS, labels: {}, value: s.appends },
      { def: WAL_BATCHES, labels: {}, value: s.batches },
      { def: WAL_FSYNCS, labels: {}, value: s.fsyncs },
      { def: WAL_BYTES_WRITTEN, labels: {}, value: s.bytesWritten },
    ];
  };
}
