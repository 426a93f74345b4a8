export * from './profile.ts';
export * from './churn.ts';
