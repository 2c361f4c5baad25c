import { FatalError, getStepMetadata } from 'workflow';

export interface OrderInput {
  orderId: string;
  email: string;
  items: { sku: string; quantity: number; unitPrice: number }[];
}

/** A multi-step order: each step is retried on its own and recorded in the World's storage. */
export async function placeOrder(input: OrderInput) {
  'use workflow';

  const reservation = await reserveStock(input.orderId, input.items);
  const charge = await chargeCard(input.orderId, reservation.total);
  const receipt = await sendReceipt(input.email, input.orderId, charge.chargeId);
  return { orderId: input.orderId, total: reservation.total, chargeId: charge.chargeId, receipt };
}

async function reserveStock(orderId: string, items: OrderInput['items']) {
  'use step';
  if (items.length === 0) throw new FatalError(`order ${orderId} has no items`);
  const total = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  return { reservationId: `res_${orderId}`, total };
}

// Fails on its first attempt, like a flaky payment gateway, to show a step retry.
async function chargeCard(orderId: string, amount: number) {
  'use step';
  const { attempt } = getStepMetadata();
  if (attempt === 1) throw new Error('payment gateway timed out (simulated)');
  return { chargeId: `ch_${orderId}_${amount}` };
}

async function sendReceipt(email: string, orderId: string, chargeId: string) {
  'use step';
  return `receipt for ${orderId} (${chargeId}) sent to ${email}`;
}
