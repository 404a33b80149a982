/** The MariaDB/MySQL server the tests use. */
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
/** The Redis server the tests use (fault tests start their own private ones). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
