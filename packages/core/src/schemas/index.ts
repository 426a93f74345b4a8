export * from './profile.ts';
export * from './churn.ts';
export * from './segment.ts';
export * from './journey.ts';
export * from './analytics.ts';
