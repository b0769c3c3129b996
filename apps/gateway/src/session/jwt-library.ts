import jsonwebtoken from 'jsonwebtoken';
import type { JwtLibrary } from './jwt-identification.js';

/** jsonwebtoken behind an ES module of ours, so the bundle keeps it in a chunk loaded on demand (JwtIdentification.create). */
export const jwtLibrary: JwtLibrary = jsonwebtoken;
