/*
 * Lamport's Paxos.tla (tlaplus/Examples, specifications/Paxos/Paxos.tla) in Promela, for the
 * SPIN side of bench/run. It is the same state machine as `lockstep check paxos-tla`
 * (model/paxos/tla.hpp, tla.cpp), so SPIN's "states, stored" equals lockstep's and TLC's
 * distinct-state count: 3,921 / 185,369 / 8,220,065 for 3 acceptors, 2 values and ballots
 * 0..1 / 0..2 / 0..3.
 *
 *   spin -a -DACCEPTORS=3 -DBALLOTS=4 -DVALUES=2 paxos_tla.pml
 *   cc -O3 -march=native -DSAFETY -DNOBOUNDCHECK -DNOREDUCE -DNOCOMP -DMEMLIM=16384 -o pan pan.c
 *   ./pan -m1000 -w23
 *
 * How the state count is kept equal to TLC's:
 *  - one process, at the head of one do-loop in every stored state; each option of the loop is
 *    one TLA+ step: Phase1a(b), Phase1b(a) taking the 1a message of ballot b, Phase2a(b, v),
 *    Phase2b(a) taking the 2a message (b, v). The preprocessor enumerates the parameters (one
 *    option per parameter tuple), so choosing them costs no step and stores no state;
 *  - Phase1a, Phase1b and Phase2b are each one d_step whose first statement is the action's
 *    guard, so a disabled action is no transition at all; Phase2a(b, ·) is one atomic option per
 *    ballot (below): SPIN stores no state inside an atomic sequence;
 *  - the stored state is exactly the spec's variables: maxBal, maxVBal, maxVal per acceptor and
 *    msgs, the set of every message ever sent, as a bit set over the finite message universe
 *    (the layout of model/paxos/tla.hpp's Universe), plus Phase2a's local `allowed`, which is 0
 *    in every stored state. The temporaries of the guards' and the invariants' loops are
 *    `hidden` (not in the state vector) and live inside one d_step;
 *  - a step that would not change the state (Phase2b of an acceptor that already did it) is
 *    left out by its guard, as lockstep leaves it out. So SPIN's transitions are exactly
 *    lockstep's generated states too (23,340,613 for ballots 0..3).
 *
 * Invariants: the ones `lockstep check paxos-tla` checks in every state (PAXOS-Agreement,
 * PAXOS-OneValuePerBallot, PAXOS-VotesSafe, PAXOS-MaxBalAboveVote) are asserted at the end of
 * every step that could break them: Agreement and VotesSafe after Phase2b, the only step that
 * adds a vote (Phase1b only raises maxBal, which can only make more values safe);
 * OneValuePerBallot after Phase2a; MaxBalAboveVote after Phase1b and Phase2b. Each holds in the
 * initial state, and a step that cannot break it keeps it, so each is checked for every
 * reachable state (on every step into it of the kinds above, not once per distinct state as
 * lockstep does). -DINVARIANTS=1 asserts Agreement only, -DINVARIANTS=0 none.
 *
 * Ballots are stored plus one (0 is the spec's -1), values 1..VALUES (0 is None): Promela's
 * byte is unsigned. The preprocessor enumerates up to 7 acceptors, 8 ballots and 4 values.
 */
#ifndef ACCEPTORS
#define ACCEPTORS 3
#endif
#ifndef BALLOTS
#define BALLOTS 4
#endif
#ifndef VALUES
#define VALUES 2
#endif
#ifndef INVARIANTS
#define INVARIANTS 2
#endif
#if ACCEPTORS < 1 || ACCEPTORS > 7 || BALLOTS < 1 || BALLOTS > 8 || VALUES < 1 || VALUES > 4
#error "paxos_tla.pml enumerates 1..7 acceptors, 1..8 ballots, 1..4 values"
#endif

#define QUORUM (ACCEPTORS / 2 + 1)

/* The message universe, as in model/paxos/tla.hpp: 1a(b), 1b(a, b, mbal, mval), 2a(b, v),
   2b(a, b, v); mbal -1..BALLOTS-1, mval 0 (None)..VALUES, v 1..VALUES. */
#define BASE_1B BALLOTS
#define BASE_2A (BASE_1B + ACCEPTORS * BALLOTS * (BALLOTS + 1) * (VALUES + 1))
#define BASE_2B (BASE_2A + BALLOTS * VALUES)
#define UNIVERSE (BASE_2B + ACCEPTORS * BALLOTS * VALUES)
#define WORDS ((UNIVERSE + 31) / 32)
#define M_1A(b) (b)
#define M_1B(a, b, mbal, mval) (BASE_1B + (((a) * BALLOTS + (b)) * (BALLOTS + 1) + (mbal) + 1) * (VALUES + 1) + (mval))
#define M_2A(b, v) (BASE_2A + (b) * VALUES + (v) - 1)
#define M_2B(a, b, v) (BASE_2B + ((a) * BALLOTS + (b)) * VALUES + (v) - 1)

#define HAS(i) ((msgs[(i) / 32] >> ((i) % 32)) & 1)
#define SEND(i) msgs[(i) / 32] = msgs[(i) / 32] | (1 << ((i) % 32))

/* The spec's variables: the whole state vector. */
byte maxBal[ACCEPTORS];   /* ballot + 1; 0 is -1 */
byte maxVBal[ACCEPTORS];  /* ballot + 1; 0 is -1 */
byte maxVal[ACCEPTORS];   /* 0 is None */
int msgs[WORDS];          /* bit i: message i of the universe has been sent */

/* Temporaries of one d_step, never stored. */
hidden byte t_a, t_b, t_m, t_v, t_q, t_n, t_top, t_heard, t_chosen;
hidden byte t_mbal[ACCEPTORS];  /* the mbal + 1 of acceptor a's 1b message for the ballot */
hidden byte t_mval[ACCEPTORS];

/* One option per parameter: EACH_X(F, x, y) is F(0, x, y) F(1, x, y) ... */
#define EACH_A(F, x, y) EA0(F, x, y) EA1(F, x, y) EA2(F, x, y) EA3(F, x, y) EA4(F, x, y) EA5(F, x, y) EA6(F, x, y)
#define EA0(F, x, y) F(0, x, y)
#if ACCEPTORS > 1
#define EA1(F, x, y) F(1, x, y)
#else
#define EA1(F, x, y)
#endif
#if ACCEPTORS > 2
#define EA2(F, x, y) F(2, x, y)
#else
#define EA2(F, x, y)
#endif
#if ACCEPTORS > 3
#define EA3(F, x, y) F(3, x, y)
#else
#define EA3(F, x, y)
#endif
#if ACCEPTORS > 4
#define EA4(F, x, y) F(4, x, y)
#else
#define EA4(F, x, y)
#endif
#if ACCEPTORS > 5
#define EA5(F, x, y) F(5, x, y)
#else
#define EA5(F, x, y)
#endif
#if ACCEPTORS > 6
#define EA6(F, x, y) F(6, x, y)
#else
#define EA6(F, x, y)
#endif

#define EACH_B(F, x, y) EB0(F, x, y) EB1(F, x, y) EB2(F, x, y) EB3(F, x, y) EB4(F, x, y) EB5(F, x, y) EB6(F, x, y) EB7(F, x, y)
#define EB0(F, x, y) F(0, x, y)
#if BALLOTS > 1
#define EB1(F, x, y) F(1, x, y)
#else
#define EB1(F, x, y)
#endif
#if BALLOTS > 2
#define EB2(F, x, y) F(2, x, y)
#else
#define EB2(F, x, y)
#endif
#if BALLOTS > 3
#define EB3(F, x, y) F(3, x, y)
#else
#define EB3(F, x, y)
#endif
#if BALLOTS > 4
#define EB4(F, x, y) F(4, x, y)
#else
#define EB4(F, x, y)
#endif
#if BALLOTS > 5
#define EB5(F, x, y) F(5, x, y)
#else
#define EB5(F, x, y)
#endif
#if BALLOTS > 6
#define EB6(F, x, y) F(6, x, y)
#else
#define EB6(F, x, y)
#endif
#if BALLOTS > 7
#define EB7(F, x, y) F(7, x, y)
#else
#define EB7(F, x, y)
#endif

/* Values 1..VALUES; EACH_W is a second copy for use inside an EACH_V expansion. */
#define EACH_V(F, x, y) EV1(F, x, y) EV2(F, x, y) EV3(F, x, y) EV4(F, x, y)
#define EV1(F, x, y) F(1, x, y)
#if VALUES > 1
#define EV2(F, x, y) F(2, x, y)
#else
#define EV2(F, x, y)
#endif
#if VALUES > 2
#define EV3(F, x, y) F(3, x, y)
#else
#define EV3(F, x, y)
#endif
#if VALUES > 3
#define EV4(F, x, y) F(4, x, y)
#else
#define EV4(F, x, y)
#endif

#define EACH_W(F, x, y) EW1(F, x, y) EW2(F, x, y) EW3(F, x, y) EW4(F, x, y)
#define EW1(F, x, y) F(1, x, y)
#if VALUES > 1
#define EW2(F, x, y) F(2, x, y)
#else
#define EW2(F, x, y)
#endif
#if VALUES > 2
#define EW3(F, x, y) F(3, x, y)
#else
#define EW3(F, x, y)
#endif
#if VALUES > 3
#define EW4(F, x, y) F(4, x, y)
#else
#define EW4(F, x, y)
#endif

/* Ballots again, for use inside an EACH_B expansion. */
#define EACH_C(F, x, y) EC0(F, x, y) EC1(F, x, y) EC2(F, x, y) EC3(F, x, y) EC4(F, x, y) EC5(F, x, y) EC6(F, x, y) EC7(F, x, y)
#define EC0(F, x, y) F(0, x, y)
#if BALLOTS > 1
#define EC1(F, x, y) F(1, x, y)
#else
#define EC1(F, x, y)
#endif
#if BALLOTS > 2
#define EC2(F, x, y) F(2, x, y)
#else
#define EC2(F, x, y)
#endif
#if BALLOTS > 3
#define EC3(F, x, y) F(3, x, y)
#else
#define EC3(F, x, y)
#endif
#if BALLOTS > 4
#define EC4(F, x, y) F(4, x, y)
#else
#define EC4(F, x, y)
#endif
#if BALLOTS > 5
#define EC5(F, x, y) F(5, x, y)
#else
#define EC5(F, x, y)
#endif
#if BALLOTS > 6
#define EC6(F, x, y) F(6, x, y)
#else
#define EC6(F, x, y)
#endif
#if BALLOTS > 7
#define EC7(F, x, y) F(7, x, y)
#else
#define EC7(F, x, y)
#endif

/* Acceptor a has sent a 1b message for ballot b (with any mbal, mval), and how many have. */
#define BLOCK_1B(a, b, c) (((a) * BALLOTS + (b)) * (BALLOTS + 1) + (c) + 1)
#define OR_1B_BIT(v, blk, y) || HAS(BASE_1B + (blk) * (VALUES + 1) + (v))
#define OR_1B_C(c, a, b) EACH_W(OR_1B_BIT, BLOCK_1B(a, b, c), 0)
#define HEARD_1B(a, b) (HAS(M_1B(a, b, -1, 0)) EACH_C(OR_1B_C, a, b))
#define PLUS_HEARD_1B(a, b, y) + HEARD_1B(a, b)
#define HEARD_1B_COUNT(b) (0 EACH_A(PLUS_HEARD_1B, b, 0))

/* Some 2a message for ballot b has been sent. */
#define OR_2A(v, b, y) || HAS(M_2A(b, v))
#define SENT_2A(b) (0 EACH_W(OR_2A, b, 0))

/* PAXOS-Agreement: at most one value is chosen (voted for by a quorum at one ballot). */
#define CHECK_AGREEMENT \
  t_chosen = 0; \
  for (t_b : 0 .. BALLOTS - 1) { \
    for (t_v : 1 .. VALUES) { \
      t_n = 0; \
      for (t_a : 0 .. ACCEPTORS - 1) { t_n = t_n + HAS(M_2B(t_a, t_b, t_v)) } \
      if \
      :: t_n >= QUORUM -> t_chosen = t_chosen | (1 << t_v) \
      :: else \
      fi \
    } \
  } \
  assert((t_chosen & (t_chosen - 1)) == 0); \
  t_a = 0; t_b = 0; t_v = 0; t_n = 0; t_chosen = 0

/* PAXOS-VotesSafe: every vote 2b(a, b, v) is safe at b: at each c < b a quorum either voted v at
   c or has maxBal > c without having voted at c. */
#define VOTED_AT(q, c) (0 EACH_W(OR_2B, q, c))
#define OR_2B(w, q, c) || HAS(M_2B(q, c, w))
#define CHECK_VOTES_SAFE \
  for (t_a : 0 .. ACCEPTORS - 1) { \
    for (t_b : 0 .. BALLOTS - 1) { \
      for (t_v : 1 .. VALUES) { \
        if \
        :: HAS(M_2B(t_a, t_b, t_v)) -> \
          t_m = 0; \
          do \
          :: t_m < t_b -> \
            t_n = 0; \
            for (t_q : 0 .. ACCEPTORS - 1) { \
              if \
              :: HAS(M_2B(t_q, t_m, t_v)) || (maxBal[t_q] > t_m + 1 && !VOTED_AT(t_q, t_m)) -> t_n++ \
              :: else \
              fi \
            } \
            assert(t_n >= QUORUM); \
            t_m++ \
          :: else -> break \
          od \
        :: else \
        fi \
      } \
    } \
  } \
  t_a = 0; t_b = 0; t_v = 0; t_m = 0; t_n = 0; t_q = 0

/* PAXOS-MaxBalAboveVote for acceptor a. */
#define CHECK_MAXBAL(a) assert(maxBal[a] >= maxVBal[a])

/* PAXOS-OneValuePerBallot for ballot b. */
#define ONE_2A(v, b, y) + HAS(M_2A(b, v))
#define CHECK_ONE_VALUE(b) assert((0 EACH_W(ONE_2A, b, 0)) <= 1)

#if INVARIANTS >= 2
#define AFTER_1B(a) ; CHECK_MAXBAL(a)
#define AFTER_2A(b) ; CHECK_ONE_VALUE(b)
#define AFTER_2B(a) ; CHECK_MAXBAL(a); CHECK_AGREEMENT; CHECK_VOTES_SAFE
#elif INVARIANTS == 1
#define AFTER_1B(a)
#define AFTER_2A(b)
#define AFTER_2B(a) ; CHECK_AGREEMENT
#else
#define AFTER_1B(a)
#define AFTER_2A(b)
#define AFTER_2B(a)
#endif

/* Phase1a(b): send the 1a message of ballot b. */
#define PHASE1A(b, x, y) \
  :: d_step { !HAS(M_1A(b)) -> SEND(M_1A(b)) }

/* Phase1b(a), taking the 1a message of ballot b: b > maxBal[a]. */
#define PHASE1B(b, a, y) \
  :: d_step { \
       HAS(M_1A(b)) && b + 1 > maxBal[a] -> \
       SEND(M_1B(a, b, maxVBal[a] - 1, maxVal[a])); \
       maxBal[a] = b + 1 AFTER_1B(a) \
     }
#define PHASE1B_A(a, x, y) EACH_B(PHASE1B, a, 0)

/* Phase2a(b, v): no 2a message for b yet, and some quorum Q all sent 1b messages for b whose
   highest-ballot vote, if any, is for v. One atomic option per ballot b: its guard holds when
   no 2a message for b was sent and a quorum sent 1b messages for b, which is exactly when
   Phase2a(b, v) is enabled for some v (any quorum of them allows the value of its highest vote,
   or every value if none voted); a d_step computes the values allowed into `allowed`, then one
   d_step per allowed value sends it and clears `allowed`. The states in between are not stored
   (SPIN stores none inside an atomic sequence), so each Phase2a(b, v) is one stored step. */
#define PHASE2A(b, x, y) \
  :: atomic { \
       !SENT_2A(b) && HEARD_1B_COUNT(b) >= QUORUM -> \
       d_step { \
         t_heard = 0; \
         for (t_a : 0 .. ACCEPTORS - 1) { \
           for (t_m : 0 .. b) { \
             for (t_v : 0 .. VALUES) { \
               if \
               :: HAS(M_1B(t_a, b, t_m - 1, t_v)) -> \
                 t_heard = t_heard | (1 << t_a); t_mbal[t_a] = t_m; t_mval[t_a] = t_v \
               :: else \
               fi \
             } \
           } \
         } \
         for (t_q : 1 .. (1 << ACCEPTORS) - 1) { \
           t_n = 0; t_top = 0; \
           for (t_a : 0 .. ACCEPTORS - 1) { \
             if \
             :: (t_q >> t_a) & 1 -> \
               t_n++; \
               if \
               :: t_mbal[t_a] > t_top -> t_top = t_mbal[t_a] \
               :: else \
               fi \
             :: else \
             fi \
           } \
           if \
           :: t_n >= QUORUM && (t_q & t_heard) == t_q -> \
             if \
             :: t_top == 0 -> allowed = allowed | ALL_VALUES \
             :: else -> \
               for (t_a : 0 .. ACCEPTORS - 1) { \
                 if \
                 :: ((t_q >> t_a) & 1) && t_mbal[t_a] == t_top -> allowed = allowed | (1 << t_mval[t_a]) \
                 :: else \
                 fi \
               } \
             fi \
           :: else \
           fi \
         } \
         for (t_a : 0 .. ACCEPTORS - 1) { t_mbal[t_a] = 0; t_mval[t_a] = 0 } \
         t_a = 0; t_m = 0; t_v = 0; t_q = 0; t_n = 0; t_top = 0; t_heard = 0 \
       }; \
       if \
       EACH_V(PHASE2A_V, b, 0) \
       fi \
     }
#define PHASE2A_V(v, b, y) \
  :: (allowed >> v) & 1 -> d_step { allowed = 0; SEND(M_2A(b, v)) AFTER_2A(b) }
#define ALL_VALUES (((1 << VALUES) - 1) << 1)

/* Phase2b(a), taking the 2a message (b, v): b >= maxBal[a]; left out when it changes nothing. */
#define PHASE2B(v, a, b) \
  :: d_step { \
       HAS(M_2A(b, v)) && b + 1 >= maxBal[a] && \
       !(maxBal[a] == b + 1 && maxVBal[a] == b + 1 && maxVal[a] == v && HAS(M_2B(a, b, v))) -> \
       maxBal[a] = b + 1; maxVBal[a] = b + 1; maxVal[a] = v; \
       SEND(M_2B(a, b, v)) AFTER_2B(a) \
     }
#define PHASE2B_AB(b, a, y) EACH_V(PHASE2B, a, b)
#define PHASE2B_A(a, x, y) EACH_B(PHASE2B_AB, a, 0)

/* Init: maxBal = maxVBal = -1, maxVal = None, msgs = {}: all zero as declared. */
active proctype paxos()
{
  byte allowed;  /* Phase2a's values for its ballot; 0 in every stored state */
end:
  do
  EACH_B(PHASE1A, 0, 0)
  EACH_A(PHASE1B_A, 0, 0)
  EACH_B(PHASE2A, 0, 0)
  EACH_A(PHASE2B_A, 0, 0)
  od
}
