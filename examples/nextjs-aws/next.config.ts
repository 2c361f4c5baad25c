import { withWorldkit } from '@worldkit/next';
import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // A self-contained server (`.next/standalone`): what a container or VM runs, and the closest
  // local stand-in for a Vercel deployment (traced, nothing resolved from the monorepo).
  output: 'standalone',
  // Build-time release label: the steps record it, so two builds are two distinguishable versions.
  env: { APP_RELEASE: process.env.APP_RELEASE ?? 'dev' },
};

export default withWorldkit(nextConfig);
