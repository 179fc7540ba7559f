namespace SobolevRL.Envs;
