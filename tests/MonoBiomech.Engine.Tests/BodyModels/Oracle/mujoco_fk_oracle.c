/* MuJoCo forward-kinematics oracle for the BodyModel tests (compiled by the test with gcc, linked to libmujoco).
 *
 * usage: mujoco_fk_oracle MODEL.xml  < cases  > positions
 * prints "nbody nq nsite ngroup" after loading, then the model as MuJoCo compiled it, one item a line:
 *   body PARENTID NAME            (nbody lines, world first)
 *   joint SLIDE LIMITED LO HI NAME (nq lines in qpos order; SLIDE 1 for a slide, 0 for a hinge; range in m or rad)
 *   site BODYID NAME              (nsite lines)
 *   group NAME COUNT BODYID...    (ngroup lines)
 * then reads a case count and, per case, ngroup scale parameters (beta) and nq coordinates, and prints nbody*3 body
 * positions, nsite*3 site positions and nbody*9 body rotations (row-major xmat, world from body).
 * Scaling as upstream scale_model: s_b = 1 + sum of the beta of b's groups; body_pos *= s(parent); site_pos *= s(own body).
 * Groups: <custom><text name="monobiomech.scale_group.G" data="bodies..."/> in declaration order, else the upstream
 * default mapping by body names plus "overall" (every non-world body). Written independently of the C# reader on purpose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mujoco/mujoco.h>

#define MAXGROUPS 64
static const char* PREFIX = "monobiomech.scale_group.";

static int ngroup = 0;
static char groupnames[MAXGROUPS][256];
static char groupbodies[MAXGROUPS][4096];

static void add_group(const char* name, const char* bodies) {
  if (ngroup == MAXGROUPS) { fprintf(stderr, "too many groups\n"); exit(3); }
  strncpy(groupnames[ngroup], name, sizeof groupnames[0] - 1);
  strncpy(groupbodies[ngroup], bodies, sizeof groupbodies[0] - 1);
  ngroup++;
}

int main(int argc, char** argv) {
  char error[1000] = "";
  if (argc != 2) { fprintf(stderr, "usage: %s model.xml\n", argv[0]); return 2; }
  mjModel* m = mj_loadXML(argv[1], NULL, error, sizeof error);
  if (!m) { fprintf(stderr, "mj_loadXML: %s\n", error); return 1; }
  mjData* d = mj_makeData(m);

  for (int t = 0; t < m->ntext; t++) {
    const char* name = m->names + m->name_textadr[t];
    if (strncmp(name, PREFIX, strlen(PREFIX)) == 0) add_group(name + strlen(PREFIX), m->text_data + m->text_adr[t]);
  }
  if (ngroup == 0) {
    add_group("pelvis", "pelvis"); add_group("left_thigh", "femur_l"); add_group("left_leg", "tibia_l talus_l calcn_l toes_l");
    add_group("right_thigh", "femur_r"); add_group("right_leg", "tibia_r talus_r calcn_r toes_r");
    add_group("left_arm", "humerus_l radius_l ulna_l hand_l"); add_group("right_arm", "humerus_r radius_r ulna_r hand_r");
    char overall[4096] = "";
    for (int b = 1; b < m->nbody; b++) { strcat(overall, m->names + m->name_bodyadr[b]); strcat(overall, " "); }
    add_group("overall", overall);
  }
  /* membership[g][b] */
  static int member[MAXGROUPS][1024];
  for (int g = 0; g < ngroup; g++) {
    char copy[4096];
    strcpy(copy, groupbodies[g]);
    for (char* tok = strtok(copy, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
      int b = mj_name2id(m, mjOBJ_BODY, tok);
      if (b <= 0) { fprintf(stderr, "group %d: unknown body %s\n", g, tok); return 1; }
      member[g][b] = 1;
    }
  }

  mjtNum* body_pos0 = malloc(sizeof(mjtNum) * 3 * m->nbody);
  mjtNum* site_pos0 = malloc(sizeof(mjtNum) * 3 * m->nsite);
  mjtNum* scale = malloc(sizeof(mjtNum) * m->nbody);
  memcpy(body_pos0, m->body_pos, sizeof(mjtNum) * 3 * m->nbody);
  memcpy(site_pos0, m->site_pos, sizeof(mjtNum) * 3 * m->nsite);

  if (m->njnt != m->nq) { fprintf(stderr, "only hinge and slide joints are supported\n"); return 1; }
  printf("%d %d %d %d\n", m->nbody, m->nq, m->nsite, ngroup);
  for (int b = 0; b < m->nbody; b++) printf("body %d %s\n", m->body_parentid[b], m->names + m->name_bodyadr[b]);
  for (int j = 0; j < m->njnt; j++) {
    if (m->jnt_type[j] != mjJNT_SLIDE && m->jnt_type[j] != mjJNT_HINGE) { fprintf(stderr, "joint %d is neither hinge nor slide\n", j); return 1; }
    printf("joint %d %d %.17g %.17g %s\n", m->jnt_type[j] == mjJNT_SLIDE, m->jnt_limited[j],
           m->jnt_range[2 * j], m->jnt_range[2 * j + 1], m->names + m->name_jntadr[j]);
  }
  for (int j = 0; j < m->nsite; j++) printf("site %d %s\n", m->site_bodyid[j], m->names + m->name_siteadr[j]);
  for (int g = 0; g < ngroup; g++) {
    int count = 0;
    for (int b = 0; b < m->nbody; b++) count += member[g][b];
    printf("group %s %d", groupnames[g], count);
    for (int b = 0; b < m->nbody; b++) if (member[g][b]) printf(" %d", b);
    printf("\n");
  }
  fflush(stdout);
  int ncase;
  if (scanf("%d", &ncase) != 1) return 1;
  for (int c = 0; c < ncase; c++) {
    double beta[MAXGROUPS];
    for (int g = 0; g < ngroup; g++) if (scanf("%lf", &beta[g]) != 1) return 1;
    for (int k = 0; k < m->nq; k++) if (scanf("%lf", &d->qpos[k]) != 1) return 1;
    for (int b = 0; b < m->nbody; b++) {
      scale[b] = 1;
      for (int g = 0; g < ngroup; g++) if (member[g][b]) scale[b] += beta[g];
    }
    for (int b = 0; b < m->nbody; b++) {
      mjtNum s = b == 0 ? 1 : scale[m->body_parentid[b]];
      for (int i = 0; i < 3; i++) m->body_pos[3 * b + i] = body_pos0[3 * b + i] * s;
    }
    for (int j = 0; j < m->nsite; j++)
      for (int i = 0; i < 3; i++) m->site_pos[3 * j + i] = site_pos0[3 * j + i] * scale[m->site_bodyid[j]];
    mj_kinematics(m, d);
    for (int i = 0; i < 3 * m->nbody; i++) printf("%.17g\n", d->xpos[i]);
    for (int i = 0; i < 3 * m->nsite; i++) printf("%.17g\n", d->site_xpos[i]);
    for (int i = 0; i < 9 * m->nbody; i++) printf("%.17g\n", d->xmat[i]);
  }
  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
