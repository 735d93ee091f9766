"""Source texts that several test modules (unit and over stdio) share."""

from __future__ import annotations

# Two functions alike but for one line: the planted-token model (igmodel.py) puts its evidence
# on `zebra = item`, line 11 (1-based) of the document, in span `planted` (0-based lines 7 to 12).
PLANTED_DOC = """\
def plain(values):
    total = 0
    for v in values:
        total += v * 2
    return total


def planted(items):
    count = 0
    for item in items:
        zebra = item
        count += 1
    return count
"""

# A header that is C++ by its content (a namespace), though `.h` is C's extension too.
CPP_HEADER = """\
#pragma once
#include <vector>

namespace arrow {

inline int total(const std::vector<int>& xs) {
  int t = 0;
  for (int x : xs) t += x;
  return t * 2;
}

}  // namespace arrow
"""

# A Java class with one method that the default "too short" guard judges (`pushAll`, 0-based
# lines 4 to 12).
JAVA_STACK = """class Stack {
  private int[] items = new int[16];
  private int size;

  int pushAll(int[] values) {
    int pushed = 0;
    for (int value : values) {
      items[size] = value;
      size = size + 1;
      pushed = pushed + 1;
    }
    return pushed;
  }
}
"""


# Two small functions a diff adds beside each other (the `--diff` and `--diff-file` tests).
BODY = """def base(a):
    b = a + 1
    c = b * 2
    return c + a
"""
ADDED = """

def added(x):
    y = x * 3
    z = y - 1
    return z + y
"""

# Three functions, the last a method (the syntax-error tests break the first one).
THREE_FUNCTIONS = """\
def first(values):
    total = 0
    for v in values:
        total += v
    return total


def second(items, key):
    result = {}
    for item in items:
        result.setdefault(item[key], []).append(item)
    return result


class Counter:
    def third(self, text):
        counts = {}
        for w in text.split():
            counts[w] = counts.get(w, 0) + 1
        return counts
"""


# Real-looking files of the languages read since C#, Kotlin and Swift came: generics, attributes
# and annotations, nested and partial classes, async, expression-bodied members, interpolation.

# C#: a .NET service.
CSHARP_ORDERS = """\
// Orders: a service as a .NET application holds it.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Shop.Orders
{
    public interface IOrderRepository
    {
        Task<Order?> FindAsync(Guid id, CancellationToken cancellationToken = default);
        Task SaveAsync(Order order, CancellationToken cancellationToken = default);
    }

    public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice)
    {
        public decimal Total => Quantity * UnitPrice;
    }

    [Serializable]
    public partial class OrderService<TOrder> : IDisposable where TOrder : Order, new()
    {
        private readonly IOrderRepository _repository;
        private readonly ILogger<OrderService<TOrder>> _logger;
        private bool _disposed;

        public static readonly Func<OrderLine, bool> IsFree = line => line.UnitPrice == 0m;

        public OrderService(IOrderRepository repository, ILogger<OrderService<TOrder>> logger)
        {
            _repository = repository ?? throw new ArgumentNullException(nameof(repository));
            _logger = logger;
        }

        public int Retries { get; set; } = 3;

        public string Name => $"{nameof(OrderService<TOrder>)}<{typeof(TOrder).Name}>";

        public async Task<decimal> PlaceAsync(Guid id, IEnumerable<OrderLine> lines, CancellationToken token)
        {
            var order = await _repository.FindAsync(id, token) ?? new TOrder { Id = id };
            foreach (var line in lines.Where(l => !IsFree(l)))
            {
                order.Lines.Add(line);
            }
            decimal Sum() => order.Lines.Sum(l => l.Total);
            _logger.LogInformation("Order {Id} holds {Count} lines", id, order.Lines.Count);
            await _repository.SaveAsync(order, token);
            return Sum();
        }

        [Obsolete("Use PlaceAsync")]
        public decimal Place(Guid id, IEnumerable<OrderLine> lines) =>
            PlaceAsync(id, lines, CancellationToken.None).GetAwaiter().GetResult();

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            GC.SuppressFinalize(this);
        }

        private sealed class Audit
        {
            public void Write(string message)
            {
                var stamp = DateTime.UtcNow.ToString("O");
                Console.Error.WriteLine($"[{stamp}] {message}");
            }
        }
    }
}
"""

# Kotlin: a repository with coroutines.
KOTLIN_INVOICES = """\
@file:JvmName("InvoiceRepositories")

package com.example.billing

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.time.Instant

data class Invoice(val id: Long, val customer: String, val lines: List<Line>) {
    val total: Long
        get() = lines.sumOf { it.amount * it.quantity }
}

data class Line(val sku: String, val amount: Long, val quantity: Int)

interface InvoiceStore {
    suspend fun load(id: Long): Invoice?
    fun describe(invoice: Invoice): String = "Invoice ${invoice.id} for ${invoice.customer}"
}

@Suppress("TooManyFunctions")
class InvoiceRepository<T : Invoice>(
    private val store: InvoiceStore,
    private val clock: () -> Instant = { Instant.now() },
) {
    private val cache = mutableMapOf<Long, Invoice>()

    var lastLoaded: Instant? = null
        private set

    init {
        require(cache.isEmpty()) { "a new repository starts empty" }
    }

    constructor(store: InvoiceStore, seed: List<Invoice>) : this(store) {
        seed.forEach { cache[it.id] = it }
    }

    suspend fun find(id: Long): Invoice? = withContext(Dispatchers.IO) {
        cache[id] ?: store.load(id)?.also {
            cache[id] = it
            lastLoaded = clock()
        }
    }

    val onEvict: (Long) -> Unit = { id ->
        cache.remove(id)
        println("evicted invoice $id")
    }

    fun overdue(now: Instant, days: Long): List<Invoice> {
        val limit = now.minusSeconds(days * 86_400)
        return cache.values
            .filter { lastLoaded?.isBefore(limit) ?: false }
            .sortedByDescending { it.total }
    }

    companion object {
        const val MAX_LINES = 200

        fun empty(store: InvoiceStore): InvoiceRepository<Invoice> {
            val repository = InvoiceRepository<Invoice>(store)
            repository.lastLoaded = null
            return repository
        }
    }

    private inner class Auditor {
        fun report(): String {
            val count = cache.size
            return "cached $count invoices, last at $lastLoaded"
        }
    }
}

fun Invoice.summary(): String = "${customer}: ${lines.size} lines, total $total"

fun main(args: Array<String>) {
    val store = object : InvoiceStore {
        override suspend fun load(id: Long): Invoice? = null
    }
    println(InvoiceRepository.empty(store).toString() + args.joinToString())
}
"""

# Swift: a SwiftUI view model.
SWIFT_CART = """\
import Combine
import Foundation

protocol CartStore {
    func load() async throws -> [CartItem]
    var currency: String { get }
}

struct CartItem: Identifiable, Hashable {
    let id: UUID
    var name: String
    var price: Decimal
    var quantity: Int

    var total: Decimal {
        price * Decimal(quantity)
    }
}

@MainActor
final class CartViewModel<Store: CartStore>: ObservableObject {
    @Published private(set) var items: [CartItem] = []
    @Published var error: String?

    private let store: Store
    private var cancellables = Set<AnyCancellable>()

    lazy var formatter: NumberFormatter = {
        let formatter = NumberFormatter()
        formatter.numberStyle = .currency
        return formatter
    }()

    let onCheckout: ([CartItem]) -> Void = { items in
        let names = items.map(\\.name).joined(separator: ", ")
        print("checking out \\(names)")
    }

    var subtotal: Decimal {
        get { items.reduce(0) { $0 + $1.total } }
    }

    var discount: Decimal = 0 {
        didSet {
            if discount < 0 { discount = 0 }
            objectWillChange.send()
        }
    }

    init(store: Store) {
        self.store = store
        $items
            .map { $0.isEmpty }
            .sink { [weak self] empty in self?.error = empty ? "Your cart is empty" : nil }
            .store(in: &cancellables)
    }

    deinit {
        cancellables.removeAll()
    }

    subscript(id: UUID) -> CartItem? {
        items.first { $0.id == id }
    }

    func refresh() async {
        do {
            items = try await store.load()
            error = nil
        } catch {
            self.error = "Could not load the cart: \\(error.localizedDescription)"
        }
    }

    static func == (lhs: CartViewModel, rhs: CartViewModel) -> Bool {
        lhs.items == rhs.items && lhs.discount == rhs.discount
    }

    private final class Receipt {
        func render(_ items: [CartItem]) -> String {
            let lines = items.map { "\\($0.name) x\\($0.quantity)" }
            return lines.joined(separator: "\\n")
        }
    }
}

extension CartItem {
    func formatted(with formatter: NumberFormatter) -> String {
        let price = formatter.string(from: price as NSDecimalNumber) ?? "?"
        return "\\(name): \\(price)"
    }
}

func makeSampleItems(count: Int) -> [CartItem] {
    (0..<count).map { index in
        CartItem(id: UUID(), name: "Item \\(index)", price: Decimal(index) * 2, quantity: 1)
    }
}
"""
