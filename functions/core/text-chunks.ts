/**
 * Splitting a document into overlapping chunks for embedding: paragraphs
 * first, sentences within a paragraph too long for one chunk, words within a
 * sentence too long for one chunk. Each chunk after the first starts with the
 * last sentences of the one before (up to `overlapChars`), so a passage cut
 * at a boundary is still found whole in one chunk.
 */

export interface ChunkingOptions {
  /** Longest chunk, in characters. */
  readonly maxChars: number;
  /** Characters of the previous chunk repeated at the start of the next one. */
  readonly overlapChars: number;
}

export const defaultChunking: ChunkingOptions = { maxChars: 1_200, overlapChars: 200 };

/** Sentence ends: . ! ? (and closing quotes or brackets) followed by white space. */
const sentenceEnd = /(?<=[.!?]["')\]]*)\s+/u;

function splitLong(text: string, maxChars: number): string[] {
  const words = text.split(/\s+/u).filter(Boolean);
  const pieces: string[] = [];
  let current = "";
  for (const word of words) {
    // A single "word" longer than a chunk (a URL, a base64 blob) is cut.
    for (let start = 0; start < word.length; start += maxChars) {
      const part = word.slice(start, start + maxChars);
      if (current && current.length + 1 + part.length > maxChars) {
        pieces.push(current);
        current = part;
      } else current = current ? `${current} ${part}` : part;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** The units a chunk is built from: sentences, each marked with whether it starts a paragraph. */
function units(text: string, maxChars: number): { text: string; paragraphStart: boolean }[] {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/u)
    .map((paragraph) => paragraph.replace(/\s+/gu, " ").trim())
    .filter(Boolean);
  return paragraphs.flatMap((paragraph) =>
    paragraph
      .split(sentenceEnd)
      .filter(Boolean)
      .flatMap((sentence) => (sentence.length > maxChars ? splitLong(sentence, maxChars) : [sentence]))
      .map((sentence, index) => ({ text: sentence, paragraphStart: index === 0 })),
  );
}

export function chunkText(text: string, options: ChunkingOptions = defaultChunking): string[] {
  const { maxChars, overlapChars } = options;
  if (overlapChars >= maxChars) throw new Error("overlapChars must be smaller than maxChars");
  const chunks: string[] = [];
  let current: string[] = [];
  /** Sentences carried over from the chunk just closed; a chunk of only these adds nothing new. */
  let carried = 0;
  const lengthWith = (sentence: string) => [...current, sentence].join(" ").length;

  const close = () => {
    chunks.push(current.join(" "));
    // The overlap: the last whole sentences of this chunk that fit in overlapChars.
    const overlap: string[] = [];
    for (let index = current.length - 1; index >= 0; index--) {
      if ([current[index]!, ...overlap].join(" ").length > overlapChars) break;
      overlap.unshift(current[index]!);
    }
    current = overlap;
    carried = overlap.length;
  };

  for (const unit of units(text, maxChars)) {
    const hasNew = current.length > carried;
    // Close at a paragraph boundary once the chunk is half full, or wherever it would overflow.
    const paragraphBreak = unit.paragraphStart && current.join(" ").length >= maxChars / 2;
    if (hasNew && (paragraphBreak || lengthWith(unit.text) > maxChars)) close();
    // The overlap may leave too little room for this sentence; drop it rather than exceed maxChars.
    while (current.length > 0 && lengthWith(unit.text) > maxChars) {
      current.shift();
      carried = Math.max(0, carried - 1);
    }
    current.push(unit.text);
  }
  if (current.length > carried) chunks.push(current.join(" "));
  return chunks;
}

/** A rough token count (about four characters a token for English), for budgets, not billing. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
