// Jest setup file (setupFilesAfterEnv): remove the test file's temporary directories at its end.
import { removeTestTempDirs } from './tmp';

afterAll(() => removeTestTempDirs());
