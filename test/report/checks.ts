import { expect } from 'chai';

/** RFC 4180 CSV → rows of cells (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link', 'col', 'area', 'base', 'wbr', 'source']);

/**
 * The page is one well-formed HTML document that fetches nothing: a doctype, every element closed
 * in order, attribute values quoted, no script, no stylesheet link, no src/srcset/url()/@import,
 * and every http(s) URL is an anchor's href (a link a reader may follow, never a fetch).
 */
export function expectSelfContainedHtml(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>'), 'doctype').to.equal(true);
  for (const banned of [/<script/i, /<link/i, /\ssrc\s*=/i, /srcset/i, /url\(/i, /@import/i, /<iframe/i, /<object/i, /<embed/i])
    expect(banned.test(html), `the page has ${banned}`).to.equal(false);
  const urls = html.match(/https?:\/\/[^"'\s<>]*/g) ?? [];
  const hrefs = html.match(/<a href="https:\/\/[^"]*"/g) ?? [];
  expect(urls.length, 'every URL is an anchor href').to.equal(hrefs.length);
  const stack: string[] = [];
  const tags = html.replace(/<!DOCTYPE html>/, '').matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g);
  for (const [, close, name, attrs] of tags) {
    const tag = name.toLowerCase();
    // attributes: name="value" pairs only (escaped values cannot contain a raw quote)
    expect(attrs.trim(), `<${tag}${attrs}>`).to.match(/^(\s*[a-z-]+="[^"<>]*")*\s*\/?$/);
    if (VOID.has(tag)) continue;
    if (close) expect(stack.pop(), `</${tag}> closes the open element`).to.equal(tag);
    else stack.push(tag);
  }
  expect(stack, 'every element closed').to.deep.equal([]);
  // text outside tags holds no raw < or > (data is escaped)
  const text = html.replace(/<!DOCTYPE html>/, '').replace(/<\/?[a-zA-Z][^>]*>/g, '');
  expect(/[<>]/.test(text), 'unescaped < or > in text').to.equal(false);
}
