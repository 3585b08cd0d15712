/**
 * The frontmatter of a lab's `lab.mdx`: what the lesson is and how its
 * programs run. Strict: an unknown key is an error, so a typo in a lab never
 * silently changes how students' code runs.
 *
 * One definition for every reader: the runner validates labs with these
 * schemas (runner/labs/load.ts), the site builds its pages from them
 * (site/lib/labs.ts), and the workbench's data uses their inferred types
 * (site/workbench/types.ts, types only: the page ships no zod).
 */
import { z } from 'zod';
import { Language, Transport } from './messages.ts';

export const PortSpec = z
  .strictObject({
    port: z.number().int().min(1024).max(65535).describe('Port number (unprivileged: 1024-65535).'),
    protocol: Transport.describe('Transport protocol of a port.'),
  })
  .describe('A port the lab uses.');
export type PortSpec = z.infer<typeof PortSpec>;

export const ProcessSpec = z
  .strictObject({
    role: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,31}$/, 'lower-case letters, digits and _')
      .describe('Which program runs: "server" runs server.py / server.js / Server.java.'),
    ready: PortSpec.optional().describe(
      'The process is ready once it has bound this port; processes after it wait for that.',
    ),
    instances: z
      .number()
      .int()
      .min(0)
      .max(8)
      .default(1)
      .describe('How many of this process start when the student presses Run.'),
    addable: z
      .boolean()
      .default(false)
      .describe('Whether "add client" may start more of this process.'),
  })
  .describe('One process of the run plan.');
export type ProcessSpec = z.infer<typeof ProcessSpec>;

export const NetworkSpec = z
  .strictObject({
    loss: PortSpec.extend({
      percent: z.number().int().min(1).max(90).describe('Share of the packets to and from the port that are dropped, in percent.'),
    }).describe('Drop a share of the packets on one of the lab\'s ports, in a pattern that repeats exactly from run to run.'),
  })
  .describe('Network conditions a lab offers.');
export type NetworkSpec = z.infer<typeof NetworkSpec>;

/** When a lab's reference solution may reach a student's browser. */
export const SolutionPolicy = z.enum(['never', 'after-pass', 'always']);
export type SolutionPolicy = z.infer<typeof SolutionPolicy>;

export const LabFrontmatter = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case words joined by -')
      .describe('Stable id, also the folder name after its "NN-" prefix.'),
    title: z.string().min(1).max(80).describe('Title shown in the sidebar and page heading.'),
    order: z.number().int().min(0).max(99).describe('Position in the course; matches the folder prefix.'),
    summary: z.string().min(1).max(300).describe('One or two sentences for the course index.'),
    languages: z
      .array(Language)
      .default([])
      .describe('Languages the lab offers, first one the default. Empty for a lesson without code.'),
    ports: z.array(PortSpec).default([]).describe('Ports the lab uses (shown on the page).'),
    processes: z
      .array(ProcessSpec)
      .default([])
      .describe('The run plan in start order: servers first, then clients.'),
    network: NetworkSpec.optional().describe('Network conditions the page offers as a switch (LABS.md, "Network conditions").'),
    preview: z
      .strictObject({ port: z.number().int().min(1024).max(65535).describe('The TCP port of the student\'s web server.') })
      .optional()
      .describe('The workbench shows the student\'s web server, served from the sandbox, in a preview pane.'),
    solution: SolutionPolicy.default('always').describe(
      'Who may see the reference solution: "always" (self-study), "after-pass" (once a Check passed every check), or "never".',
    ),
  })
  .superRefine((lab, ctx) => {
    if (lab.languages.length > 0 && !lab.languages.includes('python')) {
      ctx.addIssue({ code: 'custom', path: ['languages'], message: 'every lab offers python' });
    }
    if (new Set(lab.languages).size !== lab.languages.length) {
      ctx.addIssue({ code: 'custom', path: ['languages'], message: 'a language is listed twice' });
    }
    if (lab.processes.length > 0 && lab.languages.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['languages'], message: 'a lab with processes needs at least one language' });
    }
    const loss = lab.network?.loss;
    if (loss && !lab.ports.some((port) => port.port === loss.port && port.protocol === loss.protocol)) {
      ctx.addIssue({ code: 'custom', path: ['network', 'loss'], message: `port ${loss.port}/${loss.protocol} is not listed in ports` });
    }
    if (lab.preview && !lab.ports.some((port) => port.port === lab.preview!.port && port.protocol === 'tcp')) {
      ctx.addIssue({ code: 'custom', path: ['preview', 'port'], message: `port ${lab.preview.port}/tcp is not listed in ports` });
    }
    const roles = new Set<string>();
    lab.processes.forEach((p, i) => {
      if (roles.has(p.role)) ctx.addIssue({ code: 'custom', path: ['processes', i, 'role'], message: `role "${p.role}" is listed twice` });
      roles.add(p.role);
      if (p.ready && !lab.ports.some((port) => port.port === p.ready!.port && port.protocol === p.ready!.protocol)) {
        ctx.addIssue({ code: 'custom', path: ['processes', i, 'ready'], message: `port ${p.ready.port}/${p.ready.protocol} is not listed in ports` });
      }
    });
  })
  .describe('Frontmatter of labs/NN-<id>/lab.mdx.');
export type LabFrontmatter = z.infer<typeof LabFrontmatter>;
