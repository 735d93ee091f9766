"""A small inventory module: the workspace of the end-to-end test."""

from __future__ import annotations

from dataclasses import dataclass


def summarize_inventory(items: list[Item], low_stock_threshold: int = 5) -> dict[str, float]:
    """Summarize the inventory.

    Args:
        items: The items to summarize.
        low_stock_threshold: Items with fewer units than this are counted as low on stock.

    Returns:
        A dictionary with the total value, the number of items and the number low on stock.
    """
    if not items:
        return {"total_value": 0.0, "item_count": 0, "low_stock_count": 0}

    total_value = 0.0
    low_stock_count = 0
    for item in items:
        # Accumulate the value of each item in stock.
        total_value += item.quantity * item.price
        if item.quantity < low_stock_threshold:
            low_stock_count += 1

    return {
        "total_value": round(total_value, 2),
        "item_count": len(items),
        "low_stock_count": low_stock_count,
    }


@dataclass
class Item:
    name: str
    quantity: int
    price: float
