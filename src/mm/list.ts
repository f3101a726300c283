/*
 * Intrusive doubly linked list, the kernel's `struct list_head`.
 *
 * A node embeds one Link per list it can be on (a zbud page has a buddy link
 * and an LRU link), so insertion and removal are O(1) and allocate nothing.
 * `addHead` is `list_add`; `tail()` is `list_last_entry`, where the kernel's
 * LRUs keep their oldest element.
 */

export class Link<T> {
  prev: Link<T> | null = null;
  next: Link<T> | null = null;
  /** The list this link is on, or null. */
  list: List<T> | null = null;
  constructor(readonly owner: T | null) {}

  get linked(): boolean {
    return this.list !== null;
  }

  /** list_del from whichever list holds it. */
  unlink(): void {
    this.list!.remove(this);
  }
}

export class List<T> {
  private readonly sentinel = new Link<T>(null);
  length = 0;

  constructor() {
    this.sentinel.prev = this.sentinel;
    this.sentinel.next = this.sentinel;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  /** list_add: insert at the head. */
  addHead(link: Link<T>): void {
    this.insertAfter(link, this.sentinel);
  }

  /** list_add_tail: insert at the tail. */
  addTail(link: Link<T>): void {
    this.insertAfter(link, this.sentinel.prev!);
  }

  /** Inserts `link` right after `anchor` (a link on this list), as list_add(link, anchor). */
  insertAfter(link: Link<T>, anchor: Link<T>): void {
    const next = anchor.next!;
    link.prev = anchor;
    link.next = next;
    next.prev = link;
    anchor.next = link;
    link.list = this;
    this.length++;
  }

  /** The first link (for insertAfter), or null. */
  headLink(): Link<T> | null {
    return this.length === 0 ? null : this.sentinel.next;
  }

  /** list_del: unlink (the link must be on this list). */
  remove(link: Link<T>): void {
    link.prev!.next = link.next;
    link.next!.prev = link.prev;
    link.prev = null;
    link.next = null;
    link.list = null;
    this.length--;
  }

  /** Moves a linked node to the head. */
  moveToHead(link: Link<T>): void {
    this.remove(link);
    this.addHead(link);
  }

  /** Moves a linked node to the tail (list_move_tail). */
  moveToTail(link: Link<T>): void {
    this.remove(link);
    this.addTail(link);
  }

  head(): T | null {
    return this.length === 0 ? null : this.sentinel.next!.owner;
  }

  tail(): T | null {
    return this.length === 0 ? null : this.sentinel.prev!.owner;
  }

  /** Calls fn on the owners from tail to head while it returns true (no iterator: the hot path of compress-ahead). */
  walkFromTail(fn: (owner: T) => boolean): void {
    for (let l = this.sentinel.prev!; l !== this.sentinel; l = l.prev!) if (!fn(l.owner as T)) return;
  }

  /** Owners from tail to head. */
  *fromTail(): IterableIterator<T> {
    for (let l = this.sentinel.prev!; l !== this.sentinel; l = l.prev!) yield l.owner as T;
  }

  /** Owners from head to tail. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let l = this.sentinel.next!; l !== this.sentinel; l = l.next!) yield l.owner as T;
  }
}
