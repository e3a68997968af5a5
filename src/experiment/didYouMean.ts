/** Close-match suggestions for misspelt keys and values ("did you mean ...?"). */

/** Levenshtein distance, with a transposition of two neighbours counting as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo: a case-only
 * difference always is; otherwise at most a third of the word's length in edits (at least 1).
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > 200) return undefined;
  const lower = word.toLowerCase();
  const sameIgnoringCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameIgnoringCase !== undefined) return sameIgnoringCase;
  // A word that extends or shortens a candidate (`every_steps`, `tanh`), or is one part of it
  // (`gpu` of `tensorflow-gpu`), means that candidate when only one candidate fits.
  const related = candidates.filter((c) => {
    const candidate = c.toLowerCase();
    if (Math.min(candidate.length, lower.length) < 3) return false;
    return lower.startsWith(candidate) || candidate.startsWith(lower) || candidate.split(/[-_.]/u).includes(lower);
  });
  if (related.length === 1) return related[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(word.length, best?.length ?? 0) / 3));
  return bestDistance <= allowed ? best : undefined;
}
