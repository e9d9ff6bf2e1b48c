import page from "./page.html" with { type: "text" };

/**
 * The live status page served at / on the metrics port: one HTML file with
 * its style and script inline (no external assets), polling /stats every
 * second. Imported as text, so `bun build --compile` embeds it in the
 * binary; Bun's types declare every .html import an HTML bundle, whatever
 * the import attribute, hence the cast.
 */
export const STATUS_PAGE = page as unknown as string;
