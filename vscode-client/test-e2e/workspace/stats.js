// Statistics helpers: the second language of the end-to-end test's workspace.

/**
 * Calculates the mean, median and standard deviation of an array of numbers.
 * @param {number[]} values - The numbers to analyse.
 * @returns {{mean: number, median: number, stdDev: number}} The computed statistics.
 */
function calculateStatistics(values) {
  if (!Array.isArray(values) || values.length === 0) {
    throw new Error('Input must be a non-empty array of numbers');
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle];
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, median, stdDev: Math.sqrt(variance) };
}

module.exports = { calculateStatistics };
