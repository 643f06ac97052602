export { type DiffConsoleOptions, renderDiffConsole } from './console.js';
export { CONTRACT_DIFF_SCHEMA, renderDiffJson } from './json.js';
export { renderDiffJunit } from './junit.js';
export { type DiffMarkdownOptions, renderDiffMarkdown } from './markdown.js';
export { xmlEscape } from './xml-escape.js';
