import { randomUUID } from 'node:crypto';
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
  createdAt: Type.String({ format: 'date-time' }),
});
export type Item = Static<typeof Item>;

/** Where items live. In memory for now; a PostgreSQL store slots in behind the same interface. */
export interface ItemStore {
  create(input: NewItem): Item;
  get(id: string): Item | undefined;
  list(limit: number): Item[];
  delete(id: string): boolean;
}

export class MemoryItemStore implements ItemStore {
  readonly #items = new Map<string, Item>();

  create(input: NewItem): Item {
    const item: Item = { id: randomUUID(), ...input, createdAt: new Date().toISOString() };
    this.#items.set(item.id, item);
    return item;
  }

  get(id: string): Item | undefined {
    return this.#items.get(id);
  }

  list(limit: number): Item[] {
    return [...this.#items.values()].slice(-limit);
  }

  delete(id: string): boolean {
    return this.#items.delete(id);
  }
}
