using SobolevRL.Envs.Core;
using SobolevRL.Policies;

namespace SobolevRL.Teachers;

/// <summary>Checks, before any rollout, that a policy fits an environment's observation and action spaces.</summary>
public static class TeacherCompatibility
{
    /// <summary>Throws a <see cref="UserErrorException"/> naming both shapes or action counts when they differ.</summary>
    public static void Check(IPolicy policy, IEnv env) =>
        Check(policy.ObservationShape, policy.Actions, env.ObservationSpace.Shape, env.ActionSpace.N, env.Id, policy is OnnxTeacher t ? t.Path : "policy");

    /// <summary>The same check on plain shapes (for callers without an environment instance).</summary>
    public static void Check(long[] policyShape, int policyActions, int[] envShape, int envActions, string envId, string policyName)
    {
        if (!policyShape.SequenceEqual(envShape.Select(d => (long)d)))
        {
            bool three = policyShape.Length == 3 && envShape.Length == 3;
            string hint = three && policyShape[0] == envShape[1] && policyShape[1] == envShape[2] && policyShape[2] == envShape[0]
                ? " (the teacher looks NHWC, channels last: give `input_layout` nhwc, or input.layout nhwc in its card)"
                : three && policyShape[0] == envShape[2] && policyShape[2] == envShape[0]
                ? " (the layouts differ: check input.layout in the card or `input_layout`)"
                : "";
            throw new UserErrorException(
                $"teacher '{policyName}' takes observations [{string.Join(", ", policyShape)}] but {envId} gives [{string.Join(", ", envShape)}]{hint}; use the environment the teacher was trained on");
        }
        if (policyActions != envActions)
            throw new UserErrorException(
                $"teacher '{policyName}' has {policyActions} actions but {envId} has {envActions}; use the environment the teacher was trained on (or fix actions in the card)");
    }
}
