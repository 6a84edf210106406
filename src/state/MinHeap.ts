/** A binary min-heap by a numeric priority: O(log n) push and pop, for timer queues. */
export class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly priority: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    const p = this.priority(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.priority(items[parent]) <= p) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      const p = this.priority(last);
      for (;;) {
        const l = 2 * i + 1;
        if (l >= items.length) break;
        const r = l + 1;
        const child = r < items.length && this.priority(items[r]) < this.priority(items[l]) ? r : l;
        if (this.priority(items[child]) >= p) break;
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
