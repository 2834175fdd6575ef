<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>CourseRow</name>
    <message numerus="yes">
        <source>%n study progress update(s) waiting to sync</source>
        <translation>
            <numerusform>%n study progress update waiting to sync</numerusform>
            <numerusform>%n study progress updates waiting to sync</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>pass %n quiz(zes)</source>
        <translation>
            <numerusform>pass %n quiz</numerusform>
            <numerusform>pass %n quizzes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message numerus="yes">
        <source>Not yet uploaded to the server: %n study progress update(s). Their data on this PC cannot be deleted until then.</source>
        <translation>
            <numerusform>Not yet uploaded to the server: %n study progress update. Their data on this PC cannot be deleted until then.</numerusform>
            <numerusform>Not yet uploaded to the server: %n study progress updates. Their data on this PC cannot be deleted until then.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message numerus="yes">
        <source>%n study progress update(s) waiting to sync</source>
        <translation>
            <numerusform>%n study progress update waiting to sync</numerusform>
            <numerusform>%n study progress updates waiting to sync</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n refused by the server</source>
        <translation>
            <numerusform>%n refused by the server</numerusform>
            <numerusform>%n refused by the server</numerusform>
        </translation>
    </message>
</context>
</TS>