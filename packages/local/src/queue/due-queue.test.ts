import { expect, test } from 'vitest';
import { DueQueue } from './due-queue.js';

test('pops the earliest due entry first, and equal due times in insertion order', () => {
  const queue = new DueQueue<string>();
  const entries: Array<[string, number]> = [
    ['c1', 30],
    ['a', 10],
    ['c2', 30],
    ['b', 20],
    ['z', 5],
    ['c3', 30],
    ['d', 40],
  ];
  for (const [item, dueAt] of entries) queue.push(item, dueAt);
  expect(queue.peekDueAt()).toBe(5);
  const order: string[] = [];
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) order.push(item);
  expect(order).toEqual(['z', 'a', 'b', 'c1', 'c2', 'c3', 'd']);
  expect(queue.size).toBe(0);
});

test('keeps its order over many random pushes and pops', () => {
  const queue = new DueQueue<number>();
  const values = Array.from({ length: 500 }, (_, index) => (index * 7919) % 211);
  for (const value of values) queue.push(value, value);
  const popped: number[] = [];
  for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item);
  expect(popped).toEqual([...values].sort((a, b) => a - b));
});
