import { describe, expect, it } from 'vitest';
import { renderDiffJunit } from '../src/report/index.js';
import { change, diffOf } from './report-fixtures.js';

// ---------------------------------------------------------------------------------------------
// A strict XML 1.0 well-formedness reader, written here because no strict parser is a dependency:
// xmlbuilder2's reader (in node_modules) accepts `<a><b></a>` and `&foo;`, so parsing back with it
// proves little. It scans character by character (no regular expressions for structure), rejects
// what the XML 1.0 spec makes fatal for these documents (illegal characters, unbalanced or
// mismatched tags, unknown entities, `<` in attribute values, duplicate attributes, `]]>` in
// text, a second root) and returns the element tree with references decoded. It does not read
// DTDs, which a JUnit report never has.
// ---------------------------------------------------------------------------------------------

interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isNameStart = (c: string | undefined) =>
  c !== undefined &&
  ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === ':' || c > '\u00bf');
const isNameChar = (c: string | undefined) =>
  isNameStart(c) || (c !== undefined && ((c >= '0' && c <= '9') || c === '-' || c === '.'));

function readXml(xml: string): XmlElement {
  for (const char of xml) {
    const code = char.codePointAt(0) as number;
    if (!isXmlChar(code)) throw new Error(`character U+${code.toString(16)} is not allowed`);
  }
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${at}`);
  };
  const skipSpace = () => {
    while (isSpace(xml[at])) at++;
  };
  const expect = (text: string) => {
    if (!xml.startsWith(text, at)) fail(`expected ${JSON.stringify(text)}`);
    at += text.length;
  };
  const name = (): string => {
    const start = at;
    if (!isNameStart(xml[at])) fail('expected a name');
    while (isNameChar(xml[at])) at++;
    return xml.slice(start, at);
  };
  const reference = (): string => {
    expect('&');
    const end = xml.indexOf(';', at);
    if (end < 0) fail('unterminated reference');
    const body = xml.slice(at, end);
    at = end + 1;
    if (body.startsWith('#')) {
      const hex = body.startsWith('#x');
      const digits = body.slice(hex ? 2 : 1);
      const valid = hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/;
      const code = Number.parseInt(digits, hex ? 16 : 10);
      if (!valid.test(digits) || !isXmlChar(code)) fail(`bad character reference &${body};`);
      return String.fromCodePoint(code);
    }
    const value = ENTITIES[body];
    if (value === undefined) fail(`unknown entity &${body};`);
    return value as string;
  };
  const misc = () => {
    for (;;) {
      skipSpace();
      if (!xml.startsWith('<!--', at)) return;
      const end = xml.indexOf('-->', at + 4);
      if (end < 0 || xml.slice(at + 4, end).includes('--')) fail('bad comment');
      at = end + 3;
    }
  };
  const element = (): XmlElement => {
    expect('<');
    const tag = name();
    const attributes = new Map<string, string>();
    for (;;) {
      const spaced = isSpace(xml[at]);
      skipSpace();
      if (xml.startsWith('/>', at) || xml[at] === '>') break;
      if (!spaced) fail('attributes must be separated by whitespace');
      const key = name();
      skipSpace();
      expect('=');
      skipSpace();
      const quote = xml[at];
      if (quote !== '"' && quote !== "'") fail('attribute value must be quoted');
      at++;
      let value = '';
      while (xml[at] !== quote) {
        const c = xml[at];
        if (c === undefined) fail('unterminated attribute value');
        if (c === '<') fail('`<` in an attribute value');
        if (c === '&') value += reference();
        else {
          value += isSpace(c) ? ' ' : c; // attribute-value normalisation
          at++;
        }
      }
      at++;
      if (attributes.has(key)) fail(`duplicate attribute ${key}`);
      attributes.set(key, value);
    }
    const node: XmlElement = { name: tag, attributes, children: [], text: '' };
    if (xml.startsWith('/>', at)) {
      at += 2;
      return node;
    }
    expect('>');
    for (;;) {
      const c = xml[at];
      if (c === undefined) fail(`unclosed <${tag}>`);
      if (xml.startsWith('</', at)) {
        at += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        skipSpace();
        expect('>');
        return node;
      }
      if (xml.startsWith('<!--', at)) misc();
      else if (xml.startsWith('<![CDATA[', at)) {
        const end = xml.indexOf(']]>', at);
        if (end < 0) fail('unterminated CDATA');
        node.text += xml.slice(at + 9, end);
        at = end + 3;
      } else if (c === '<') node.children.push(element());
      else if (c === '&') node.text += reference();
      else {
        if (xml.startsWith(']]>', at)) fail('`]]>` in text');
        node.text += c;
        at++;
      }
    }
  };
  if (xml.startsWith('<?xml', at)) {
    const end = xml.indexOf('?>', at);
    if (end < 0) fail('unterminated XML declaration');
    at = end + 2;
  }
  misc();
  const root = element();
  misc();
  if (at !== xml.length) fail('content after the root element');
  return root;
}

const only = (parent: XmlElement, name: string): XmlElement => {
  const found = parent.children.filter((child) => child.name === name);
  expect(found, `one <${name}> in <${parent.name}>`).toHaveLength(1);
  return found[0] as XmlElement;
};

function suiteOf(xml: string): XmlElement {
  const root = readXml(xml);
  expect(root.name).toBe('testsuites');
  return only(root, 'testsuite');
}

const casesOf = (suite: XmlElement) => suite.children.filter((c) => c.name === 'testcase');
const failed = (testcase: XmlElement) => testcase.children.some((c) => c.name === 'failure');

// A major version up, which the error excused by info.version below names as its reason.
const toTwo = { newVersion: '2.0.0' };

describe('the JUnit report of a contract diff', () => {
  const diff = diffOf(
    [
      change('info', 'info.description.changed', undefined, undefined, 'description changed'),
      change('error', 'request.property.removed', 'post', '/v1/items', 'body field `note` removed'),
      change('error', 'request.property.required', 'post', '/v1/items', 'body field `a` required', {
        component: '#/components/schemas/ItemInput/required',
      }),
      change('info', 'response.property.added', 'post', '/v1/items', 'field `b` added'),
      change('warning', 'response.enum.value-added', 'get', '/v1/items', 'status may be `x`'),
      change('error', 'operation.removed', 'delete', '/v1/items/{id}', 'removed', {
        excusedBy: 'info.version',
      }),
      change('info', 'operation.added', 'get', '/v1/tags', 'operation added'),
    ],
    toTwo,
  );
  const xml = renderDiffJunit(diff);
  const suite = suiteOf(xml);
  const cases = casesOf(suite);
  const byName = new Map(cases.map((c) => [c.attributes.get('name'), c]));

  it('is one testsuite "contract" with a testcase per operation plus one for the document', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(suite.attributes.get('name')).toBe('contract');
    expect(cases.map((c) => c.attributes.get('name'))).toEqual([
      'document',
      'POST /v1/items',
      'GET /v1/items',
      'DELETE /v1/items/{id}',
      'GET /v1/tags',
    ]);
    expect(suite.attributes.get('tests')).toBe('5');
  });

  it('fails exactly the testcases that hold an error no version bump allowed', () => {
    expect(cases.filter(failed).map((c) => c.attributes.get('name'))).toEqual(['POST /v1/items']);
    expect(suite.attributes.get('failures')).toBe('1');
    const failure = only(byName.get('POST /v1/items') as XmlElement, 'failure');
    expect(failure.attributes.get('message')).toBe(
      'request.property.removed: body field `note` removed (and 1 more)',
    );
    expect(failure.text.split('\n')).toEqual([
      'error request.property.removed: body field `note` removed (at /x/request.property.removed)',
      'error request.property.required: body field `a` required (at /x/request.property.required; in #/components/schemas/ItemInput/required)',
    ]);
    // The info change of the same operation is reported beside the failure, not in it.
    expect(only(byName.get('POST /v1/items') as XmlElement, 'system-out').text).toContain(
      'info response.property.added',
    );
  });

  it('passes an allowed error with its reason, and warnings and info changes', () => {
    const allowed = byName.get('DELETE /v1/items/{id}') as XmlElement;
    expect(failed(allowed)).toBe(false);
    expect(only(allowed, 'system-out').text).toBe(
      'error operation.removed: removed (at /x/operation.removed) (allowed: info.version major bumped, 1.4.0 → 2.0.0)',
    );
    expect(failed(byName.get('GET /v1/items') as XmlElement)).toBe(false);
    expect(only(byName.get('document') as XmlElement, 'system-out').text).toContain(
      'info info.description.changed: description changed',
    );
  });

  it('names both documents and the verdict in the suite properties', () => {
    const props = new Map(
      only(suite, 'properties').children.map((p) => [
        p.attributes.get('name'),
        p.attributes.get('value'),
      ]),
    );
    expect(props.get('old.source')).toBe('old.json');
    expect(props.get('new.version')).toBe('2.0.0');
    expect(props.get('verdict')).toBe('fail');
    expect(props.get('summary')).toBe('2 breaking, 1 allowed by a version bump, 1 warning, 3 info');
  });

  it('reports an empty diff as one passing testcase', () => {
    const empty = suiteOf(renderDiffJunit(diffOf([], toTwo)));
    expect(casesOf(empty).map((c) => c.attributes.get('name'))).toEqual(['document']);
    expect(empty.attributes.get('failures')).toBe('0');
    expect(casesOf(empty).some(failed)).toBe(false);
  });

  it('stays well-formed when the documents carry markup, quotes and characters XML forbids', () => {
    const hostile = `a & b < c > d "e" 'f' \x00\x1b[31m tab\there\r\nnext ]]> \ud800 lone`;
    const text = renderDiffJunit(
      diffOf([change('error', `cls ${hostile}`, 'get', `/v1/${hostile}`, hostile)], toTwo),
    );
    const testcase = casesOf(suiteOf(text))[1] as XmlElement;
    expect(testcase.attributes.get('name')).toBe(
      `GET /v1/a & b < c > d "e" 'f' \\x00\\x1b[31m tab\there\r\nnext ]]> \\ud800 lone`,
    );
    const failure = only(testcase, 'failure');
    expect(failure.attributes.get('message')).toContain(`\\x00\\x1b[31m tab\there\r\nnext ]]>`);
    expect(failure.text).toContain('a & b < c > d "e"');
  });

  it('uses a reader that would catch a malformed report', () => {
    for (const bad of [
      '<a><b></a>',
      '<a>&foo;</a>',
      '<a>x & y</a>',
      '<a x="<"/>',
      '<a x="1" x="2"/>',
      '<a>\x01</a>',
      '<a/><b/>',
      '<a>]]></a>',
      '<a x="1"y="2"/>',
      '<a>&#0;</a>',
    ]) {
      expect(() => readXml(bad), bad).toThrow();
    }
    expect(
      readXml('<?xml version="1.0"?>\n<a x="&#10;&lt;"><b/>t&amp;</a>\n').attributes.get('x'),
    ).toBe('\n<');
  });
});
