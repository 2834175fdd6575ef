PRAGMA user_version = 11;
BEGIN TRANSACTION;
CREATE TABLE assignments (
        course_id TEXT NOT NULL,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('user', 'unit')),
        target TEXT NOT NULL,
        required INTEGER NOT NULL,
        due TEXT,
        title TEXT,
        credit_hours REAL,
        assigned_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (course_id, target_kind, target)
    );
INSERT INTO "assignments" VALUES('c1','unit','城关镇',1,'2026-12-31',NULL,NULL,'2026-12-02T17:43:56Z');
CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        result TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
INSERT INTO "audit_log" VALUES(1,'2026-12-02T17:43:51.811Z','root','user add','li','local','ok','--data /tmp/tmpl_dlmoan/data user add li --unit ''城关镇'' --display-name ''李四'' --password-stdin');
INSERT INTO "audit_log" VALUES(2,'2026-12-02T17:43:54.104Z','root','user add','wang','local','ok','--data /tmp/tmpl_dlmoan/data user add wang --unit ''城关镇'' --display-name ''王五'' --password-stdin');
INSERT INTO "audit_log" VALUES(3,'2026-12-02T17:43:56.256Z','root','assign','城关镇','local','ok','--data /tmp/tmpl_dlmoan/data assign c1 --unit ''城关镇'' --required --due 2026-12-31');
INSERT INTO "audit_log" VALUES(4,'2026-12-02T17:43:59.297Z','li','sign_in','','127.0.0.1','ok','');
INSERT INTO "audit_log" VALUES(5,'2026-12-02T17:43:59.320Z','li','enrol_device','53115452-a180-4865-bb3a-9f308332bacf','127.0.0.1','ok','by api');
INSERT INTO "audit_log" VALUES(6,'2026-12-02T17:43:59.750Z','wang','sign_in','','127.0.0.1','wrong_password','1 failures in a row');
CREATE TABLE credit_windows (
        user_id TEXT NOT NULL,
        start_s REAL NOT NULL,
        end_s REAL NOT NULL CHECK (end_s > start_s),
        rid INTEGER NOT NULL REFERENCES records(rid)
    );
INSERT INTO "credit_windows" VALUES('6cea487f-3175-4e94-b2ce-2c63c5401fa7',1.79623324602666664118e+09,1796233259.36,1);
INSERT INTO "credit_windows" VALUES('6cea487f-3175-4e94-b2ce-2c63c5401fa7',1.79623326602666664119e+09,1796233279.36,2);
INSERT INTO "credit_windows" VALUES('6cea487f-3175-4e94-b2ce-2c63c5401fa7',1.7962332860266666412e+09,1796233299.36,3);
INSERT INTO "credit_windows" VALUES('6cea487f-3175-4e94-b2ce-2c63c5401fa7',1.79623330602666664125e+09,1796233319.36,4);
INSERT INTO "credit_windows" VALUES('6cea487f-3175-4e94-b2ce-2c63c5401fa7',1.79623332602666664127e+09,1796233339.36,5);
INSERT INTO "credit_windows" VALUES('6cea487f-3175-4e94-b2ce-2c63c5401fa7',1.79623334602666664128e+09,1796233359.36,6);
CREATE TABLE devices (
        device_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(user_id),
        public_key TEXT NOT NULL,
        enrolled_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        enrolled_by TEXT NOT NULL DEFAULT 'api'
    );
INSERT INTO "devices" VALUES('53115452-a180-4865-bb3a-9f308332bacf','6cea487f-3175-4e94-b2ce-2c63c5401fa7','ed25519:48Su/TWUcq9+Pa5q7O5OmPo9p15TFwPHHdbCCUef3ZQ=','2026-12-02T17:43:59Z','api');
CREATE TABLE record_credit (
        rid INTEGER PRIMARY KEY REFERENCES records(rid),
        user_id TEXT NOT NULL,
        segments TEXT NOT NULL,
        credited_s REAL NOT NULL CHECK (credited_s >= 0),
        set_aside TEXT NOT NULL,
        set_aside_s REAL NOT NULL CHECK (set_aside_s >= 0),
        chain_end REAL,
        allowance_s REAL NOT NULL
    );
INSERT INTO "record_credit" VALUES(1,'6cea487f-3175-4e94-b2ce-2c63c5401fa7','[[0.0, 20.0]]',20.0,'{}',0.0,1796233259.36,2.0);
INSERT INTO "record_credit" VALUES(2,'6cea487f-3175-4e94-b2ce-2c63c5401fa7','[[20.0, 40.0]]',20.0,'{}',0.0,1796233279.36,2.0);
INSERT INTO "record_credit" VALUES(3,'6cea487f-3175-4e94-b2ce-2c63c5401fa7','[[40.0, 60.0]]',20.0,'{}',0.0,1796233299.36,2.0);
INSERT INTO "record_credit" VALUES(4,'6cea487f-3175-4e94-b2ce-2c63c5401fa7','[[60.0, 80.0]]',20.0,'{}',0.0,1796233319.36,2.0);
INSERT INTO "record_credit" VALUES(5,'6cea487f-3175-4e94-b2ce-2c63c5401fa7','[[0.0, 20.0]]',20.0,'{}',0.0,1796233339.36,2.0);
INSERT INTO "record_credit" VALUES(6,'6cea487f-3175-4e94-b2ce-2c63c5401fa7','[[20.0, 40.0]]',20.0,'{}',0.0,1796233359.36,2.0);
CREATE TABLE "records" (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    prev TEXT NOT NULL,
    type TEXT NOT NULL,
    course_id TEXT,
    lesson_id TEXT,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sig TEXT NOT NULL,
    hash TEXT NOT NULL,
    source TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), v INTEGER NOT NULL DEFAULT 1 CHECK (v IN (1, 2)),
    UNIQUE (device_id, user_id, seq),
    UNIQUE (device_id, id)
);
INSERT INTO "records" VALUES(1,'1d7f438c-82f7-4064-b7d4-89d549ef169f','53115452-a180-4865-bb3a-9f308332bacf','6cea487f-3175-4e94-b2ce-2c63c5401fa7',1,'0000000000000000000000000000000000000000000000000000000000000000','watch','c1','l1','{"elapsed_mono_s":20.0,"position_s":20.0,"segments":[[0.0,20.0]],"wall_end":"2026-12-02T17:40:59.360Z","wall_start":"2026-12-02T17:40:39.360Z"}','2026-12-02T17:43:59.360Z','GE41MInkVwjecr/XX/tIxQmqlN1UdI2x/nvZz/DfIkpadbGLk9g0DY5pfhm+aOkbm6fcV4EyHmFZSNaEk5hJBA==','a7b3008dc9539c5130edca840b5e5e5510cbbb96942b5d689d040ccc4c6099f3','api','2026-12-02T17:43:59.372Z',1);
INSERT INTO "records" VALUES(2,'105a8a23-730a-4c1a-9761-e7e7126c7076','53115452-a180-4865-bb3a-9f308332bacf','6cea487f-3175-4e94-b2ce-2c63c5401fa7',2,'a7b3008dc9539c5130edca840b5e5e5510cbbb96942b5d689d040ccc4c6099f3','watch','c1','l1','{"elapsed_mono_s":20.0,"position_s":40.0,"segments":[[20.0,40.0]],"wall_end":"2026-12-02T17:41:19.360Z","wall_start":"2026-12-02T17:40:59.360Z"}','2026-12-02T17:43:59.360Z','Je46En1UXURLOqmdtRGiV29ywsMpnZ+nyffK28dlbxdZBC5x0Te8ZeAkCzNSNOmeRCmXN7Ii04h6fnYcdZRiCQ==','c21f8ee4228e5df598b3f7a87c13e9eff0b2126dcc9b7839f4c39aaff38a6641','api','2026-12-02T17:43:59.374Z',1);
INSERT INTO "records" VALUES(3,'5a52b18a-88f2-45c1-b9f5-fee5bb8f2737','53115452-a180-4865-bb3a-9f308332bacf','6cea487f-3175-4e94-b2ce-2c63c5401fa7',3,'c21f8ee4228e5df598b3f7a87c13e9eff0b2126dcc9b7839f4c39aaff38a6641','watch','c1','l1','{"elapsed_mono_s":20.0,"position_s":60.0,"segments":[[40.0,60.0]],"wall_end":"2026-12-02T17:41:39.360Z","wall_start":"2026-12-02T17:41:19.360Z"}','2026-12-02T17:43:59.361Z','t7zNtohOURz5i13HgBfEnzyKRh9AYqLK9E+CkWj0I0qM1coCDp9IGsddBTsHfm91M0ASvB6zoxFYhpXmj5NKAQ==','b1345238fc3af2e95da752d2391c8501293cd93a31ae5e4575ea085a1d5a46e1','api','2026-12-02T17:43:59.375Z',1);
INSERT INTO "records" VALUES(4,'c0f442ff-891d-4e9c-8420-da0d0806a2de','53115452-a180-4865-bb3a-9f308332bacf','6cea487f-3175-4e94-b2ce-2c63c5401fa7',4,'b1345238fc3af2e95da752d2391c8501293cd93a31ae5e4575ea085a1d5a46e1','watch','c1','l1','{"elapsed_mono_s":20.0,"position_s":80.0,"segments":[[60.0,80.0]],"wall_end":"2026-12-02T17:41:59.360Z","wall_start":"2026-12-02T17:41:39.360Z"}','2026-12-02T17:43:59.361Z','bbxuOWkaRwhC/dsBUYTXG6lQvFqpP0OUQmKnkOSdGMoGnR6WlVFq2vyNTiNWlZdKZhO3sBZjaRTDmqjqq7+RCQ==','4dad42aba88dace57212b3f0663d40d8a0e025d81abc7725eb0fc08d425d9fa2','api','2026-12-02T17:43:59.375Z',1);
INSERT INTO "records" VALUES(5,'c761cd58-3256-43da-b780-133449030a42','53115452-a180-4865-bb3a-9f308332bacf','6cea487f-3175-4e94-b2ce-2c63c5401fa7',5,'4dad42aba88dace57212b3f0663d40d8a0e025d81abc7725eb0fc08d425d9fa2','watch','c1','l2','{"elapsed_mono_s":20.0,"position_s":20.0,"segments":[[0.0,20.0]],"wall_end":"2026-12-02T17:42:19.360Z","wall_start":"2026-12-02T17:41:59.360Z"}','2026-12-02T17:43:59.361Z','6UHeuz9Cgw2KaDZ1vLJLThf21CW5lUF3QUFNUZx11d/mYuGeYbbwxBSwrWt6eTGOFh8qXnOt99hkPBWSpeNFCw==','7b0b12823854076060b6b8dfb1d82f435611ee9b092a010589653af0103d56a7','api','2026-12-02T17:43:59.375Z',1);
INSERT INTO "records" VALUES(6,'cff618de-4edb-4d04-af99-6f19f800f858','53115452-a180-4865-bb3a-9f308332bacf','6cea487f-3175-4e94-b2ce-2c63c5401fa7',6,'7b0b12823854076060b6b8dfb1d82f435611ee9b092a010589653af0103d56a7','watch','c1','l2','{"elapsed_mono_s":20.0,"position_s":40.0,"segments":[[20.0,40.0]],"wall_end":"2026-12-02T17:42:39.360Z","wall_start":"2026-12-02T17:42:19.360Z"}','2026-12-02T17:43:59.361Z','BjvdlUUOqHtQ6SdnE4uvP6loYtvqyaeJh1/7/gAXSzLghAQNmcdBHWrsyjj7IuoqTnnrF5UmVWXkGrk2oQnIAQ==','fa2f55fce3f8bd49bfede14d89ee773d385976f3da230d3b2b71ab5c8a0255ff','api','2026-12-02T17:43:59.376Z',1);
CREATE TABLE signin_failures (
        scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
        key TEXT NOT NULL,
        failures INTEGER NOT NULL,
        last_at REAL NOT NULL,
        PRIMARY KEY (scope, key)
    );
INSERT INTO "signin_failures" VALUES('address','127.0.0.1',1,1.79623343952312016489e+09);
INSERT INTO "signin_failures" VALUES('account','wang',1,1.79623343952312016489e+09);
CREATE TABLE tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(user_id),
        kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
        expires_at REAL NOT NULL
    , family TEXT, used_at REAL, successor TEXT, grace_used INTEGER NOT NULL DEFAULT 0, issued_with TEXT);
INSERT INTO "tokens" VALUES('e2aa9ed8a92ae6e210ff9d039144b2d0e09031a86bc93bd3c00b356917f67464','6cea487f-3175-4e94-b2ce-2c63c5401fa7','access',1.79623433929760432242e+09,'b975028d27329f4b25949d1434f813dc',NULL,NULL,0,'ca15d393f3c11ed4fa15c72513bab687a85b6d5b83d9a8658f4f88b5e1a7a21d');
INSERT INTO "tokens" VALUES('ca15d393f3c11ed4fa15c72513bab687a85b6d5b83d9a8658f4f88b5e1a7a21d','6cea487f-3175-4e94-b2ce-2c63c5401fa7','refresh',1.79683823950562596323e+09,'b975028d27329f4b25949d1434f813dc',1.79623343950562596319e+09,'6aebfd8c6eb72d44481fa22d7100bf3d591b0742835f6416517cc871c1589544',0,NULL);
INSERT INTO "tokens" VALUES('2dc7965158d20448aa2f1ec40f9cf16f46cec1ee64642ef7ed63aa6edf1f2304','6cea487f-3175-4e94-b2ce-2c63c5401fa7','access',1.79623433950580048564e+09,'b975028d27329f4b25949d1434f813dc',NULL,NULL,0,'6aebfd8c6eb72d44481fa22d7100bf3d591b0742835f6416517cc871c1589544');
INSERT INTO "tokens" VALUES('6aebfd8c6eb72d44481fa22d7100bf3d591b0742835f6416517cc871c1589544','6cea487f-3175-4e94-b2ce-2c63c5401fa7','refresh',1.80141743950580048554e+09,'b975028d27329f4b25949d1434f813dc',NULL,NULL,0,NULL);
CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        unit TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    , deactivated_at TEXT);
INSERT INTO "users" VALUES('6cea487f-3175-4e94-b2ce-2c63c5401fa7','li','李四','城关镇','scrypt$16384$8$1$wKotX2r6ljP40fb/nmUk9Q==$PcgirkAHiLJ7ceZgHzTB3ogNEZUVdU8+vDdQX8f2BQA=',0,0,'2026-12-02T17:43:51Z',NULL);
INSERT INTO "users" VALUES('24b5de11-b84b-4725-881d-2691a2cad918','wang','王五','城关镇','scrypt$16384$8$1$tld/OwXQlJ+HXyE+XzWe1g==$olZjyo95Nu+tlqUxtxeFadH9sSzWzvfPT+z9eIrI+c8=',0,0,'2026-12-02T17:43:54Z',NULL);
CREATE INDEX users_unit ON users(unit)
    ;
CREATE INDEX tokens_user ON tokens(user_id);
CREATE INDEX devices_user ON devices(user_id)
    ;
CREATE INDEX records_user_course ON records(user_id, course_id)
    ;
CREATE INDEX record_credit_user ON record_credit(user_id);
CREATE INDEX credit_windows_user ON credit_windows(user_id, start_s)
    ;
CREATE INDEX tokens_family ON tokens(family)
    ;
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
COMMIT;
