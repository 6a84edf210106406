/**
 * Measures, in a task manager's thread, what that thread uses (TaskManagerUsage): its CPU time
 * from Linux's per-thread figure, and its heap's peak, sampled every 100 ms (one
 * getHeapStatistics call: a few microseconds) on a timer that keeps no thread alive.
 */
import { readFileSync } from 'fs';
import { getHeapStatistics } from 'v8';
import { TaskManagerUsage } from '../cluster/taskManagerUsage';

const SAMPLE_MS = 100;
const MB = 1024 * 1024;

/** The calling thread's CPU time in seconds, or null off Linux (the first field of schedstat: nanoseconds on a CPU). */
function threadCpuSeconds(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return null;
  }
}

export class ThreadUsage {
  private peakHeap = 0;
  private peakExternal = 0;
  private readonly timer = setInterval(() => this.sample(), SAMPLE_MS).unref();

  constructor(private readonly index: number) {
    this.sample();
  }

  private sample(): void {
    const heap = getHeapStatistics();
    this.peakHeap = Math.max(this.peakHeap, heap.total_heap_size);
    this.peakExternal = Math.max(this.peakExternal, heap.external_memory);
  }

  /** The figures so far; stops sampling. */
  finish(): TaskManagerUsage {
    clearInterval(this.timer);
    this.sample();
    return { index: this.index, cpuSeconds: threadCpuSeconds(), peakHeapMb: this.peakHeap / MB, peakExternalMb: this.peakExternal / MB };
  }
}
