/**
 * A bounded least-recently-used cache: a Map for lookup plus a doubly linked list for recency, so get/set/evict
 * are O(1). (Evicting through `map.keys().next()` looks O(1) but scans the tombstones V8 leaves at the front of
 * a Map after many deletes: with a stream of new numbers, a robocall campaign, that cost grows with the cache.)
 */
interface Node<K, V> {
  key: K;
  value: V;
  prev: Node<K, V> | null;
  next: Node<K, V> | null;
}

export class LruCache<K, V> {
  readonly maxSize: number;
  private readonly map = new Map<K, Node<K, V>>();
  /** Least recently used end. */
  private head: Node<K, V> | null = null;
  /** Most recently used end. */
  private tail: Node<K, V> | null = null;

  constructor(maxSize: number) {
    if (!Number.isInteger(maxSize) || maxSize < 1) {
      throw new RangeError(`LruCache maxSize must be a positive integer, got ${String(maxSize)}`);
    }
    this.maxSize = maxSize;
  }

  get size(): number {
    return this.map.size;
  }

  /** Returns the value and marks the key as most recently used. */
  get(key: K): V | undefined {
    const node = this.map.get(key);
    if (!node) return undefined;
    this.moveToTail(node);
    return node.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Inserts or refreshes a key; evicts the least recently used entry when the cache is full. */
  set(key: K, value: V): void {
    const existing = this.map.get(key);
    if (existing) {
      existing.value = value;
      this.moveToTail(existing);
      return;
    }
    if (this.map.size >= this.maxSize && this.head) this.delete(this.head.key);
    const node: Node<K, V> = { key, value, prev: this.tail, next: null };
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.map.set(key, node);
  }

  delete(key: K): boolean {
    const node = this.map.get(key);
    if (!node) return false;
    this.unlink(node);
    this.map.delete(key);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.head = null;
    this.tail = null;
  }

  /** Keys from least to most recently used (for tests and diagnostics). */
  keys(): K[] {
    const out: K[] = [];
    for (let n = this.head; n; n = n.next) out.push(n.key);
    return out;
  }

  private unlink(node: Node<K, V>): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = null;
    node.next = null;
  }

  private moveToTail(node: Node<K, V>): void {
    if (this.tail === node) return;
    this.unlink(node);
    node.prev = this.tail;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
  }
}
