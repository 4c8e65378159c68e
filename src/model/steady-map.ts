/**
 * A Map whose table does not shrink while it is in use: `delete` keeps the key's slot (its value
 * undefined) until `clear`. V8 rehashes a Map into a table half its size each time deletes leave
 * it a quarter full. A task of 10,000 hosts started together and ending one by one did that for
 * its hosts, and then grew it all again for the next task: 0.4 GB of tables over 1,000,000
 * results, large objects that stayed in serve's RSS until V8 collected them. Here the table
 * stays as large as the most keys it held, and the owner's `clear` (a task's close, a
 * playbook's end) bounds that.
 */
export class SteadyMap<K, V> {
  private readonly slots = new Map<K, V | undefined>();
  private live = 0;

  get size(): number {
    return this.live;
  }

  get(key: K): V | undefined {
    return this.slots.get(key);
  }

  has(key: K): boolean {
    return this.slots.get(key) !== undefined;
  }

  set(key: K, value: V): void {
    if (this.slots.get(key) === undefined) this.live += 1;
    this.slots.set(key, value);
  }

  delete(key: K): void {
    if (this.slots.get(key) === undefined) return;
    this.live -= 1;
    this.slots.set(key, undefined);
  }

  clear(): void {
    this.slots.clear();
    this.live = 0;
  }

  /** The values, in the order their keys were first set. */
  *values(): IterableIterator<V> {
    for (const v of this.slots.values()) if (v !== undefined) yield v;
  }
}
