/** The lab's version, part of every stage cache key and results file (kept equal to package.json by a test). */
export const LAB_VERSION = '0.1.0';
