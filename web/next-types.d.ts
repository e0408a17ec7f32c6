// Next's ambient types (CSS imports, images), as the generated next-env.d.ts has them; that file is
// written by every build and is not committed.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
