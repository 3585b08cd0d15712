/**
 * The runner's Java compiler driver: a program of its own (never a
 * student's) that compiles a single-file Java program the way `java
 * Server.java` does in memory, into class files, and names the class that
 * `java Server.java` would run (the file's first top-level class). Built
 * once per JDK into the class-data archive's folder, which every sandbox
 * binds read-only at /.socklab/java: a grade compiles each program once, in
 * a sandbox, instead of every program start compiling it again.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { findJava, javaArchiveDir, run } from './java-archive.ts';

/** The driver's class. */
export const JAVA_COMPILER_CLASS = 'SocklabCompile';

/**
 * Arguments: pairs of (output folder, source file). For each pair it prints
 * one line: "main <class> <folder>" once compiled, "failed <folder>" when
 * it does not compile, "nomain <folder>" when the class it would run has
 * no `public static void main(String[])` (the launcher says so itself).
 * The options are the source launcher's that change the class files
 * (annotation processing off); its diagnostics options only change what a
 * failed compile prints, and a failed compile runs as `java Server.java`
 * anyway, so the student reads the launcher's own errors.
 */
const DRIVER = `import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

public class ${JAVA_COMPILER_CLASS} {
    public static void main(String[] args) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String[] main = { null };
            boolean ok;
            try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
                JavacTask task = (JavacTask) javac.getTask(new PrintWriter(Writer.nullWriter()), files, d -> {}, List.of("-proc:none", "-implicit:none", "-d", args[i]), null, files.getJavaFileObjects(args[i + 1]));
                // As the source launcher finds the class it runs: the first top-level class analysed.
                TypeElement[] first = { null };
                task.addTaskListener(new TaskListener() {
                    @Override
                    public void started(TaskEvent e) {
                        if (e.getKind() == TaskEvent.Kind.ANALYZE && first[0] == null && e.getTypeElement().getNestingKind() == NestingKind.TOP_LEVEL) {
                            first[0] = e.getTypeElement();
                        }
                    }
                });
                ok = task.call();
                // A class without main fails at its start with the launcher's own words: left to the launcher.
                if (ok && first[0] != null && hasMain(first[0])) main[0] = first[0].getQualifiedName().toString();
            } catch (RuntimeException e) {
                ok = false;
            }
            System.out.println((ok && main[0] != null ? "main " + main[0] : ok ? "nomain" : "failed") + " " + args[i]);
        }
    }

    static boolean hasMain(TypeElement type) {
        for (Element e : type.getEnclosedElements()) {
            if (e.getKind() != ElementKind.METHOD || !e.getSimpleName().contentEquals("main")) continue;
            ExecutableElement m = (ExecutableElement) e;
            if (m.getModifiers().contains(Modifier.STATIC) && m.getModifiers().contains(Modifier.PUBLIC) && m.getParameters().size() == 1
                    && m.getParameters().get(0).asType().toString().equals("java.lang.String[]")) return true;
        }
        return false;
    }
}
`;

/** The driver's folder: named after its source, so a changed driver is built anew beside the old. */
const FOLDER = `compiler-${createHash('sha256').update(DRIVER).digest('hex').slice(0, 12)}`;
/** The driver's class path inside a sandbox. */
export const JAVA_COMPILER_PATH = `/.socklab/java/${FOLDER}`;

let making: Promise<boolean> | null = null;

/** Builds the driver once per JDK; resolves to whether it is there (false: no Java, or no javac). */
export function prepareJavaCompiler(): Promise<boolean> {
  let dir: string | null;
  try {
    dir = javaArchiveDir();
  } catch {
    return Promise.resolve(false);
  }
  if (!dir) return Promise.resolve(false);
  const target = join(dir, FOLDER);
  if (existsSync(join(target, `${JAVA_COMPILER_CLASS}.class`))) return Promise.resolve(true);
  making ??= build(dir, target).catch(() => false).finally(() => {
    making = null;
  });
  return making;
}

async function build(dir: string, target: string): Promise<boolean> {
  const javac = join(dirname(findJava()!), 'javac');
  if (!existsSync(javac)) return false;
  const staging = mkdtempSync(join(dir, 'staging-'));
  try {
    writeFileSync(join(staging, `${JAVA_COMPILER_CLASS}.java`), DRIVER);
    await run(javac, ['-d', join(staging, 'out'), `${JAVA_COMPILER_CLASS}.java`], staging);
    if (existsSync(target)) return true; // another runner made it meanwhile
    // Read-only for the sandboxes' users, as the archive beside it.
    const out = join(staging, 'out');
    for (const f of readdirSync(out)) chmodSync(join(out, f), 0o444);
    chmodSync(out, 0o755);
    renameSync(out, target);
    return true;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
