/// A binary heap that pops the element ranked first by `ranksFirst`.
/// Deterministic when `ranksFirst` is a strict total order (callers break
/// ties by arrival), whatever order the elements were pushed in.
struct PriorityHeap<Element> {
    private var items: [Element]
    private let ranksFirst: (Element, Element) -> Bool

    init(_ elements: [Element] = [], ranksFirst: @escaping (Element, Element) -> Bool) {
        items = elements
        self.ranksFirst = ranksFirst
        var i = items.count / 2
        while i > 0 { i -= 1; siftDown(i) }
    }

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard ranksFirst(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        if !items.isEmpty { siftDown(0) }
        return top
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { return }
            var best = left
            if left + 1 < items.count && ranksFirst(items[left + 1], items[left]) { best = left + 1 }
            guard ranksFirst(items[best], items[parent]) else { return }
            items.swapAt(best, parent)
            parent = best
        }
    }
}
