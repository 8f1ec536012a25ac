/** Progress lines on stderr: `[  12.3s] stage: message`, so stdout keeps only the table. */
export function progressLogger(startedAt = performance.now()) {
  return (stage: string, message: string): void => {
    const s = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${s}s] ${stage}: ${message}\n`);
  };
}

export type Progress = ReturnType<typeof progressLogger>;
