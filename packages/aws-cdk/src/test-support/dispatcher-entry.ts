// Stands in for a team's dispatcher entry (`createSqsLambdaHandler(world)`) in the bundling test.
export const handler = async () => ({ batchItemFailures: [] });
