/**
 * "Iris Flowers (2024).csv" → "iris-flowers-2024-csv": ids that are safe in any file system and
 * readable by a person. Accents are folded to their base letter; anything else becomes "-".
 */
export function slugify(text: string, maxLength: number, fallback: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? fallback : slug;
}
