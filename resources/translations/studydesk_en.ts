<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>CourseRow</name>
    <message numerus="yes">
        <source>%n record(s) not yet synced</source>
        <translation>
            <numerusform>%n record not yet synced</numerusform>
            <numerusform>%n records not yet synced</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message numerus="yes">
        <source>%n record(s) waiting</source>
        <translation>
            <numerusform>%n record waiting</numerusform>
            <numerusform>%n records waiting</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n refused</source>
        <translation>
            <numerusform>%n refused</numerusform>
            <numerusform>%n refused</numerusform>
        </translation>
    </message>
</context>
</TS>