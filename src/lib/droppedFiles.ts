/**
 * The files of a drop: files as they are, folders searched for `.json` files (a CLI shard's
 * folder, a folder of bundles), bounded in depth and count before anything is read. The entries
 * must be taken while the drop event runs (the browser empties `DataTransfer` after it), so
 * `dropEntries` is called in the handler and `filesOfEntries` may await later.
 */

/** Folder levels searched under each folder dropped (a results folder → shard-i → runs: 2). */
export const MAX_DROP_DEPTH = 4;

/** The dropped items as file-system entries (or the plain files where entries are not offered). */
export function dropEntries(data: DataTransfer | null): (FileSystemEntry | File)[] {
  if (!data) return [];
  const entries: (FileSystemEntry | File)[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    const file = entry ? null : item.getAsFile();
    if (entry) entries.push(entry);
    else if (file) entries.push(file);
  }
  return entries.length > 0 ? entries : Array.from(data.files);
}

/**
 * Every file of `entries`: a dropped file as it is, the `.json` files of a dropped folder
 * (`MAX_DROP_DEPTH` levels), at most `maxFiles` of them and 10 × `maxFiles` entries looked at
 * (past either, a one-line problem instead).
 */
export async function filesOfEntries(
  entries: readonly (FileSystemEntry | File)[],
  maxFiles: number,
): Promise<{ files: File[] } | { problem: string }> {
  const files: File[] = [];
  const tooMany = { problem: `more than ${maxFiles} files at once; drop fewer` };
  const folders: { entry: FileSystemDirectoryEntry; depth: number }[] = [];
  for (const entry of entries) {
    if (entry instanceof File) files.push(entry);
    else if (entry.isFile) files.push(await fileOf(entry as FileSystemFileEntry, entry.fullPath));
    else if (entry.isDirectory)
      folders.push({ entry: entry as FileSystemDirectoryEntry, depth: 0 });
    if (files.length > maxFiles) return tooMany;
  }
  // Entries looked at in all (a folder of other things is refused, not walked to its end).
  let seen = 0;
  while (folders.length > 0) {
    const { entry, depth } = folders.pop() as (typeof folders)[number];
    for (const child of await childrenOf(entry, 10 * maxFiles + 1)) {
      if (++seen > 10 * maxFiles) {
        return {
          problem: `the folders hold more than ${10 * maxFiles} entries; drop the bundles or the shards' folders themselves`,
        };
      }
      if (child.isDirectory && depth < MAX_DROP_DEPTH) {
        folders.push({ entry: child as FileSystemDirectoryEntry, depth: depth + 1 });
      } else if (child.isFile && child.name.endsWith('.json')) {
        files.push(await fileOf(child as FileSystemFileEntry, child.fullPath));
        if (files.length > maxFiles) return tooMany;
      }
    }
  }
  return { files };
}

/** The entry's file, named by its path in the drop (`shard-1/runs/000.json`) so names differ. */
function fileOf(entry: FileSystemFileEntry, path: string): Promise<File> {
  return new Promise((resolve, reject) =>
    entry.file((file) => {
      const name = path.replace(/^\//, '');
      resolve(name === file.name ? file : new File([file], name, { type: file.type }));
    }, reject),
  );
}

/** A folder's entries, at most about `most` (the reader hands them out in batches of up to 100). */
async function childrenOf(
  folder: FileSystemDirectoryEntry,
  most: number,
): Promise<FileSystemEntry[]> {
  const reader = folder.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
    if (all.length >= most) return all;
  }
}
