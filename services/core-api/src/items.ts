import { type Static, Type } from '@sinclair/typebox';

export const NewItem = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    quantity: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);
export type NewItem = Static<typeof NewItem>;

export const Item = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  quantity: Type.Integer(),
  /** 1 when created; each replacement (PUT) adds one. */
  version: Type.Integer({ minimum: 1 }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Item = Static<typeof Item>;

/** Where items live: KyselyItemStore (PostgreSQL or PGlite). */
export interface ItemStore {
  create(input: NewItem): Promise<Item>;
  get(id: string): Promise<Item | undefined>;
  /** The newest `limit` items, oldest first. */
  list(limit: number): Promise<Item[]>;
  /** Replaces name and quantity; undefined when there is no such item. */
  update(id: string, input: NewItem): Promise<Item | undefined>;
  /** False when there was no such item. */
  delete(id: string): Promise<boolean>;
}
