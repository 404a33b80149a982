/** What the heap needs of an item: a key to order by and a slot to remember its place. */
export interface HeapItem {
  /** Order key; the heap keeps the smallest on top. */
  heapKey: number
  /** Position in the heap, or -1 when not in it. Owned by the heap. */
  heapIndex: number
}

/**
 * A binary min-heap that knows where each item is, so an item can be removed or re-keyed in
 * O(log n). Used to find the partition whose least recently used entry is the oldest.
 */
export class IndexedMinHeap<T extends HeapItem> {
  readonly #items: T[] = []

  get size(): number {
    return this.#items.length
  }

  /** The item with the smallest key, or `undefined`. */
  peek(): T | undefined {
    return this.#items[0]
  }

  push(item: T): void {
    item.heapIndex = this.#items.length
    this.#items.push(item)
    this.#up(item.heapIndex)
  }

  remove(item: T): void {
    const index = item.heapIndex
    if (index < 0) return
    const last = this.#items.pop() as T
    item.heapIndex = -1
    if (last === item) return
    this.#items[index] = last
    last.heapIndex = index
    this.#down(index)
    this.#up(last.heapIndex)
  }

  /** Call after changing `item.heapKey`. */
  update(item: T): void {
    this.#down(item.heapIndex)
    this.#up(item.heapIndex)
  }

  clear(): void {
    for (const item of this.#items) item.heapIndex = -1
    this.#items.length = 0
  }

  #up(index: number): void {
    const items = this.#items
    const item = items[index] as T
    while (index > 0) {
      const parentIndex = (index - 1) >> 1
      const parent = items[parentIndex] as T
      if (parent.heapKey <= item.heapKey) break
      items[index] = parent
      parent.heapIndex = index
      index = parentIndex
    }
    items[index] = item
    item.heapIndex = index
  }

  #down(index: number): void {
    const items = this.#items
    const n = items.length
    const item = items[index] as T
    for (;;) {
      const left = 2 * index + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && (items[right] as T).heapKey < (items[left] as T).heapKey ? right : left
      const childItem = items[child] as T
      if (childItem.heapKey >= item.heapKey) break
      items[index] = childItem
      childItem.heapIndex = index
      index = child
    }
    items[index] = item
    item.heapIndex = index
  }
}
