import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { getReturning, load, openapi } from './openapi-documents.js';

const userId = { type: 'string', description: "A user's identifier." };

/** Descriptions of the `user_id` field of a returned object, before and after. */
async function descriptionChanges(before: unknown, after: unknown) {
  const body = (field: unknown) =>
    openapi({ '/reports': getReturning({ type: 'object', properties: { user_id: field } }) });
  const diff = diffContracts(await load('old', body(before)), await load('new', body(after)));
  return diff.changes.map((c) => `${c.classId}: ${c.message} @ ${c.pointer.split('/user_id')[1]}`);
}

describe('a description is compared as a reader sees it: its own, else the allOf override', () => {
  it('text moved out of an allOf branch onto the schema is no change', async () => {
    expect(
      await descriptionChanges(
        { allOf: [userId, { description: 'The user the report is for.' }] },
        { description: 'The user the report is for.', allOf: [userId] },
      ),
    ).toEqual([]);
  });

  it('text changed while it moved is a change, pointed at where it is now', async () => {
    expect(
      await descriptionChanges(
        { allOf: [userId, { description: 'The user the report is for.' }] },
        { description: 'The owner of the report.', allOf: [userId] },
      ),
    ).toEqual([
      'description.changed: response 200 (application/json) field `user_id`: description changed @ /description',
    ]);
  });

  it('an override added after the referenced schema replaces its description', async () => {
    // Plaid 1.697.4 deprecated `report_requested` this way; the first part's text used to win.
    expect(
      await descriptionChanges(
        { allOf: [userId] },
        { allOf: [userId, { description: 'Deprecated: use `user_ids`.' }] },
      ),
    ).toEqual([
      'description.changed: response 200 (application/json) field `user_id`: description changed @ /allOf/1/description',
    ]);
  });
});
