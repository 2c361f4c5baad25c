import { describeQueueConformance } from '@worldkit/testing';
import { memoryQueue } from '../src/index.js';

describeQueueConformance({ name: 'memory-queue', create: () => memoryQueue() });
