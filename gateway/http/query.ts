import { ApiRequestError } from '../errors.ts';

/**
 * Query parameter `name` as a non-negative integer (at most 15 digits), or `fallback` when absent or empty.
 *
 * @throws ApiRequestError (400) when it is required and absent, or not a non-negative integer.
 */
export function intParam(params: URLSearchParams, name: string, fallback?: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new ApiRequestError(`query parameter ${name} is required`);
  }
  if (!/^\d{1,15}$/.test(raw))
    throw new ApiRequestError(`query parameter ${name}=${raw} is not a non-negative integer`);
  return Number(raw);
}
