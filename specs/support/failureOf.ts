/** The error a promise (a job's result) rejects with; fails the spec when it resolves instead. */
export async function failureOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected the job to fail');
}
