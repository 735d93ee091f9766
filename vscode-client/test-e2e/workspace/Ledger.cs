// A ledger of payments: the C# file of the end-to-end test's workspace.
using System;
using System.Collections.Generic;
using System.Linq;

namespace Accounts
{
    public sealed class Ledger
    {
        private readonly List<decimal> _payments = new();

        public decimal Balance => _payments.Sum();

        public void Record(decimal amount, string memo)
        {
            if (amount == 0)
            {
                throw new ArgumentException($"A payment of zero cannot be recorded ({memo})");
            }
            _payments.Add(amount);
            Console.WriteLine($"Recorded {amount:C} for {memo}; balance {Balance:C}");
        }
    }
}
